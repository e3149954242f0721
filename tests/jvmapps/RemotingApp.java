import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.exception.RemotingTooMuchRequestException;

/**
 * An application on RocketMQ's Java remoting client, given one address as its namesrvAddr: it sends COUNT keyed
 * messages with DefaultMQProducer ("SENT key status broker"), then a DefaultMQPushConsumer of GROUP receives
 * them ("GOT key") until it has every one or TIMEOUT seconds pass, and prints "RECEIVED n". A send that times out
 * is tried again, twice at most, as an application would ("RETRY key error": a cold proxy on a loaded machine
 * can take longer than the client's 3 s for its first forwards). Any other error ends the program (exit 1) at
 * once: the consumer's threads would otherwise keep the JVM alive.
 * Args: namesrvAddr topic group count timeoutSeconds
 */
public class RemotingApp {
    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable error) {
            error.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    static SendResult send(DefaultMQProducer producer, Message message) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return producer.send(message);
            } catch (RemotingTooMuchRequestException | RemotingTimeoutException error) {
                if (attempt == 3) {
                    throw error;
                }
                System.out.println("RETRY " + message.getKeys() + " " + error);
            }
        }
    }

    static void run(String[] args) throws Exception {
        String addr = args[0], topic = args[1], group = args[2];
        int count = Integer.parseInt(args[3]);
        long timeoutMillis = Long.parseLong(args[4]) * 1000;
        String prefix = "app-" + System.currentTimeMillis() + "-";
        DefaultMQProducer producer = new DefaultMQProducer(group + "-producer");
        producer.setNamesrvAddr(addr);
        producer.start();
        for (int i = 0; i < count; i++) {
            Message message = new Message(topic, (prefix + i).getBytes());
            message.setKeys(prefix + i);
            SendResult result = send(producer, message);
            System.out.println("SENT " + prefix + i + " " + result.getSendStatus() + " "
                    + result.getMessageQueue().getBrokerName());
        }
        producer.shutdown();
        Set<String> got = ConcurrentHashMap.newKeySet();
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(addr);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            for (MessageExt m : messages) {
                if (m.getKeys() != null && m.getKeys().startsWith(prefix) && got.add(m.getKeys())) {
                    System.out.println("GOT " + m.getKeys());
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (got.size() < count && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        consumer.shutdown();
        System.out.println("RECEIVED " + got.size());
    }
}
