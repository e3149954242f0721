import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * RocketMQ's DefaultMQProducer with its default fault handling, pointed at a name server or at a proxy's remoting
 * port. Commands on stdin: "burst N" sends N messages as fast as it can and prints "RESULT count nanos failed";
 * "paced RATE SECONDS" prints "OK epochMillis" or "FAIL epochMillis exception" per send, then "DONE".
 */
public class ProxySend {
    public static void main(String[] args) throws Exception {
        String namesrv = args[0], topic = args[1];
        byte[] body = new byte[Integer.parseInt(args[2])];
        DefaultMQProducer producer = new DefaultMQProducer("rmqlab_bench_proxy");
        producer.setNamesrvAddr(namesrv);
        producer.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("READY");
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            String[] words = line.trim().split(" ");
            if (words[0].equals("burst")) {
                burst(producer, topic, body, Integer.parseInt(words[1]));
            } else {
                paced(producer, topic, body, Double.parseDouble(words[1]), Double.parseDouble(words[2]));
            }
        }
        producer.shutdown();
    }

    static void burst(DefaultMQProducer producer, String topic, byte[] body, int count) {
        int failed = 0;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            try {
                if (producer.send(new Message(topic, body)).getSendStatus() != SendStatus.SEND_OK) failed++;
            } catch (Exception e) {
                failed++;
            }
        }
        System.out.println("RESULT " + count + " " + (System.nanoTime() - start) + " " + failed);
    }

    static void paced(DefaultMQProducer producer, String topic, byte[] body, double rate, double seconds)
            throws InterruptedException {
        long interval = (long) (1e9 / rate), next = System.nanoTime(), end = next + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            try {
                SendResult result = producer.send(new Message(topic, body));
                System.out.println((result.getSendStatus() == SendStatus.SEND_OK ? "OK " : "FAIL ")
                        + System.currentTimeMillis() + " " + result.getSendStatus());
            } catch (Exception e) {
                System.out.println("FAIL " + System.currentTimeMillis() + " " + e.getClass().getSimpleName());
            }
            next = Math.max(next + interval, System.nanoTime());  // after a slow send, no catch-up burst
            long wait = next - System.nanoTime();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        System.out.println("DONE");
    }
}
