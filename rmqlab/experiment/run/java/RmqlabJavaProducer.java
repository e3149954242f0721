import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.client.consumer.store.RemoteBrokerOffsetStore;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.hook.SendMessageContext;
import org.apache.rocketmq.client.hook.SendMessageHook;
import org.apache.rocketmq.client.impl.FindBrokerResult;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.MixAll;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;

/**
 * rmqlab's workload producers as RocketMQ's own DefaultMQProducer, with the client's own failover (route
 * refresh, resends, latency fault avoidance). Every attempt the client makes is written as one JSON line to
 * OUT/events.jsonl as it starts and as it ends (a send hook sees each attempt); rmqlab turns them into history.
 * Once every producer has started it says so (a "ready" line) and waits for the file OUT/go before sending;
 * it sends until the file OUT/stop appears.
 *
 * With CONSUMERS above 0 it also runs an application's consumer group GROUP of that many DefaultMQPushConsumer
 * members with their own rebalance and offset commits. Each delivery is a "consume" line; the group's offset
 * store is RocketMQ's own, watched from a subclass: each offset read from a broker is a "fetch" line and each
 * commit (a oneway request: the broker never answers it) a "commit" line, for the run's topic (the group's
 * retry topic has queues of its own; every delivery here succeeds, so nothing is consumed from it).
 *
 * Arguments: OUT NAMESRV TOPIC PRODUCERS RATE SIZE POLL_MS LATENCY_FAULT RETRIES TIMEOUT_MS [CONSUMERS GROUP]
 */
public class RmqlabJavaProducer {
    private static PrintWriter out;
    private static volatile boolean stopping;
    private static final AtomicLong SEQUENCE = new AtomicLong();

    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        String namesrv = args[1], topic = args[2];
        int producers = Integer.parseInt(args[3]);
        double rate = Double.parseDouble(args[4]);
        int size = Integer.parseInt(args[5]);
        out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(new File(dir, "events.jsonl")),
                StandardCharsets.UTF_8));
        List<Sender> senders = new ArrayList<Sender>();
        for (int i = 0; i < producers; i++) {
            DefaultMQProducer producer = new DefaultMQProducer("rmqlab_java_producer");
            producer.setInstanceName("rmqlab-java-" + i);
            producer.setNamesrvAddr(namesrv);
            producer.setPollNameServerInterval(Integer.parseInt(args[6]));
            producer.setSendLatencyFaultEnable(Boolean.parseBoolean(args[7]));
            producer.setRetryTimesWhenSendFailed(Integer.parseInt(args[8]));
            producer.setSendMsgTimeout(Integer.parseInt(args[9]));
            Sender sender = new Sender(i, producer, topic, size, producers / rate);
            producer.getDefaultMQProducerImpl().registerSendMessageHook(sender);
            producer.start();
            senders.add(sender);
        }
        int consumerCount = args.length > 11 ? Integer.parseInt(args[10]) : 0;
        List<DefaultMQPushConsumer> consumers = new ArrayList<DefaultMQPushConsumer>();
        for (int i = 0; i < consumerCount; i++) {
            consumers.add(consumer(i, namesrv, topic, args[11]));
        }
        DefaultMQProducer first = senders.get(0).producer;
        emit("{\"e\":\"ready\",\"version\":" + quote(MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION))
                + ",\"pollNameServerInterval\":" + first.getPollNameServerInterval()
                + ",\"sendLatencyFaultEnable\":" + first.isSendLatencyFaultEnable()
                + ",\"retryTimesWhenSendFailed\":" + first.getRetryTimesWhenSendFailed()
                + ",\"sendMsgTimeout\":" + first.getSendMsgTimeout()
                + (consumers.isEmpty() ? "" : ",\"persistConsumerOffsetInterval\":"
                        + consumers.get(0).getPersistConsumerOffsetInterval())
                + "}");
        File go = new File(dir, "go");
        while (!go.exists()) {
            Thread.sleep(10);
        }
        for (DefaultMQPushConsumer consumer : consumers) {
            consumer.start();  // after `go`: its first offset reads belong in the history
        }
        for (Sender sender : senders) {
            sender.start();
        }
        File stop = new File(dir, "stop");
        while (!stop.exists()) {
            Thread.sleep(50);
        }
        stopping = true;
        for (Sender sender : senders) {
            sender.join(60000);  // a send in flight ends within its timeout and resends
        }
        for (DefaultMQPushConsumer consumer : consumers) {
            consumer.shutdown();  // commits the offsets it holds, as an application's shutdown does
        }
        emit("{\"e\":\"end\"}");
        for (Sender sender : senders) {
            sender.producer.shutdown();
        }
        out.close();
        System.exit(0);
    }

    static DefaultMQPushConsumer consumer(final int index, String namesrv, final String topic, String group)
            throws MQClientException {
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setInstanceName("rmqlab-java-consumer-" + index);
        consumer.setNamesrvAddr(namesrv);
        // The group is new in every run: start where the topic starts. Only a group without offsets reads this.
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        // The very client instance start() would make (one per client id), so the offset store can use it.
        MQClientInstance factory = MQClientManager.getInstance().getOrCreateMQClientInstance(consumer);
        consumer.setOffsetStore(new WatchedOffsetStore(factory, group, index, topic));
        consumer.registerMessageListener(new MessageListenerConcurrently() {
            @Override
            public ConsumeConcurrentlyStatus consumeMessage(List<MessageExt> messages,
                                                            ConsumeConcurrentlyContext context) {
                MessageQueue mq = context.getMessageQueue();
                for (MessageExt message : messages) {
                    if (!mq.getTopic().equals(topic)) {
                        continue;
                    }
                    emit("{\"e\":\"consume\",\"c\":" + index + queueFields(mq) + ",\"offset\":"
                            + message.getQueueOffset() + ",\"key\":" + quote(message.getKeys()) + ",\"ms\":"
                            + System.currentTimeMillis() + "}");
                }
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            }
        });
        return consumer;
    }

    static String queueFields(MessageQueue mq) {
        return ",\"group\":" + quote(mq.getBrokerName()) + ",\"queue\":" + mq.getQueueId();
    }

    /** RocketMQ's own offset store, saying what it read from brokers and what it committed to them. */
    static final class WatchedOffsetStore extends RemoteBrokerOffsetStore {
        final MQClientInstance factory;
        final int index;
        final String topic;

        WatchedOffsetStore(MQClientInstance factory, String group, int index, String topic) {
            super(factory, group);
            this.factory = factory;
            this.index = index;
            this.topic = topic;
        }

        /** The node the store's own lookup picks: the master when the route has one, else any replica. */
        String addressOf(MessageQueue mq) {
            FindBrokerResult found = factory.findBrokerAddressInSubscribe(mq.getBrokerName(), MixAll.MASTER_ID, true);
            if (found == null) {
                found = factory.findBrokerAddressInSubscribe(mq.getBrokerName(), MixAll.MASTER_ID, false);
            }
            return found == null ? null : found.getBrokerAddr();
        }

        final ConcurrentHashMap<MessageQueue, String> carried = new ConcurrentHashMap<>();

        @Override
        public long readOffset(MessageQueue mq, ReadOffsetType type) {
            if (type == ReadOffsetType.READ_FROM_MEMORY && mq.getTopic().equals(topic)) {
                long offset = super.readOffset(mq, type);
                carriedOnPull(mq, offset);
                return offset;
            }
            if (type != ReadOffsetType.READ_FROM_STORE || !mq.getTopic().equals(topic)) {
                return super.readOffset(mq, type);
            }
            String addr = addressOf(mq);
            long offset = super.readOffset(mq, type);
            // -1: the broker has no offset for the group; below that, the read failed.
            emit("{\"e\":\"fetch\",\"c\":" + index + queueFields(mq) + ",\"addr\":" + quote(addr)
                    + ",\"offset\":" + offset + ",\"ms\":" + System.currentTimeMillis() + "}");
            return offset;
        }

        /**
         * The push consumer reads the memory offset only to put it on its next pull, as a commit (the commit flag),
         * when above 0; the client clears the flag when it pulls from a slave. Said here as sent to the master
         * whenever the client's route has one (a pull the master redirected to a slave carries no commit, which
         * this cannot see), once per queue, node and offset. No answer says the broker took it.
         */
        void carriedOnPull(MessageQueue mq, long offset) {
            FindBrokerResult master = factory.findBrokerAddressInSubscribe(mq.getBrokerName(), MixAll.MASTER_ID, true);
            if (offset <= 0 || master == null || master.isSlave()) {
                return;
            }
            String said = master.getBrokerAddr() + "@" + offset;
            if (said.equals(carried.put(mq, said))) {
                return;
            }
            emit("{\"e\":\"commit\",\"c\":" + index + queueFields(mq) + ",\"addr\":" + quote(master.getBrokerAddr())
                    + ",\"offset\":" + offset + ",\"oneway\":true,\"via\":\"pull\",\"ms\":"
                    + System.currentTimeMillis() + "}");
        }

        @Override
        public void updateConsumeOffsetToBroker(MessageQueue mq, long offset, boolean isOneway)
                throws org.apache.rocketmq.remoting.exception.RemotingException, MQBrokerException,
                InterruptedException, MQClientException {
            if (!mq.getTopic().equals(topic)) {
                super.updateConsumeOffsetToBroker(mq, offset, isOneway);
                return;
            }
            String addr = addressOf(mq);
            String fields = "{\"e\":\"commit\",\"c\":" + index + queueFields(mq) + ",\"addr\":" + quote(addr)
                    + ",\"offset\":" + offset + ",\"oneway\":" + isOneway;
            try {
                super.updateConsumeOffsetToBroker(mq, offset, isOneway);
            } catch (MQClientException | MQBrokerException | InterruptedException
                     | org.apache.rocketmq.remoting.exception.RemotingException error) {
                emit(fields + ",\"ms\":" + System.currentTimeMillis() + ",\"error\":" + quote(describe(error))
                        + ",\"sent\":" + !(error instanceof MQClientException || error instanceof RemotingConnectException)
                        + "}");
                throw error;
            }
            emit(fields + ",\"ms\":" + System.currentTimeMillis() + "}");
        }
    }

    static synchronized void emit(String line) {
        out.println(line);
        out.flush();
    }

    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static String describe(Throwable error) {
        String text = error.getClass().getSimpleName() + ": " + error.getMessage();
        return text.length() > 300 ? text.substring(0, 300) : text;
    }

    /** One producer thread; also the hook that sees each of its attempts (sync sends run on this thread). */
    static final class Sender extends Thread implements SendMessageHook {
        final int index;
        final DefaultMQProducer producer;
        final String topic;
        final int size;
        final double interval;
        String key;
        long seq;
        long attempts;  // of this producer, numbered from 0
        long open = -1;  // the attempt whose end the hook has not reported yet
        int attemptsOfMessage;

        Sender(int index, DefaultMQProducer producer, String topic, int size, double interval) {
            super("rmqlab-java-sender-" + index);
            this.index = index;
            this.producer = producer;
            this.topic = topic;
            this.size = size;
            this.interval = interval;
        }

        @Override
        public void run() {
            long next = System.nanoTime();
            while (!stopping) {
                seq = SEQUENCE.getAndIncrement();
                key = String.format("k-%06d", seq);
                attemptsOfMessage = 0;
                sendOne();
                next += (long) (interval * 1e9);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1000000, (int) (wait % 1000000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }

        private void sendOne() {
            StringBuilder body = new StringBuilder(key);
            while (body.length() < size) {
                body.append('.');
            }
            Message message = new Message(topic, "", key, body.toString().getBytes(StandardCharsets.UTF_8));
            try {
                producer.send(message);
            } catch (Throwable error) {
                if (attemptsOfMessage == 0) {  // refused before any attempt (no route): nothing was written
                    emit("{\"e\":\"nosend\",\"p\":" + index + ",\"key\":" + quote(key) + ",\"seq\":" + seq
                            + ",\"ms\":" + System.currentTimeMillis() + ",\"error\":" + quote(describe(error)) + "}");
                }
                closeOpen(error);
            }
            closeOpen(null);
        }

        /** An attempt whose end the hook never reported: its outcome is unknown. */
        private void closeOpen(Throwable error) {
            if (open >= 0) {
                String why = "the client reported no outcome for this attempt"
                        + (error == null ? "" : "; send() threw " + describe(error));
                done(open, "info", "\"error\":" + quote(why));
            }
        }

        private void done(long attempt, String type, String fields) {
            open = -1;
            emit("{\"e\":\"done\",\"p\":" + index + ",\"a\":" + attempt + ",\"type\":\"" + type + "\",\"ms\":"
                    + System.currentTimeMillis() + "," + fields + "}");
        }

        @Override
        public String hookName() {
            return "rmqlab-history";
        }

        @Override
        public void sendMessageBefore(SendMessageContext context) {
            closeOpen(null);
            open = attempts++;
            attemptsOfMessage++;
            emit("{\"e\":\"invoke\",\"p\":" + index + ",\"a\":" + open + ",\"key\":" + quote(key) + ",\"seq\":" + seq
                    + ",\"group\":" + quote(context.getMq().getBrokerName()) + ",\"queue\":"
                    + context.getMq().getQueueId() + ",\"addr\":" + quote(context.getBrokerAddr())
                    + ",\"ms\":" + System.currentTimeMillis() + "}");
        }

        @Override
        public void sendMessageAfter(SendMessageContext context) {
            if (open < 0) {
                return;
            }
            SendResult result = context.getSendResult();
            Throwable error = context.getException();
            if (error == null && result != null) {
                done(open, "ok", "\"status\":" + quote(result.getSendStatus().name()) + ",\"offset\":"
                        + result.getQueueOffset() + ",\"msg_id\":" + quote(result.getMsgId()));
            } else if (error instanceof MQBrokerException) {  // the broker answered: not stored
                MQBrokerException refused = (MQBrokerException) error;
                done(open, "fail", "\"code\":" + refused.getResponseCode() + ",\"remark\":"
                        + quote(refused.getErrorMessage()) + ",\"error\":" + quote(describe(error)));
            } else if (error instanceof RemotingConnectException) {  // no connection: nothing was written
                done(open, "fail", "\"error\":" + quote(describe(error)));
            } else {  // a timeout, a failed write, too many requests: it may have been stored
                done(open, "info", "\"error\":" + quote(error == null ? "no result" : describe(error)));
            }
        }
    }
}
