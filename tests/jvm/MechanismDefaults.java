// Prints the defaults rmqlab.topology.mechanisms states, read from a RocketMQ version's own classes:
// `java -cp "<lib>/*" MechanismDefaults.java` -> key=value lines. Fields are read by reflection, so private
// constants (the name server's broker expiry) count too.
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

public class MechanismDefaults {
    public static void main(String[] args) throws Exception {
        print("io.openmessaging.storage.dledger.DLedgerConfig", "heartBeatTimeIntervalMs", "maxHeartBeatLeak",
              "minVoteIntervalMs", "maxVoteIntervalMs");
        print("org.apache.rocketmq.client.ClientConfig", "pollNameServerInterval");
        print("org.apache.rocketmq.client.producer.DefaultMQProducer", "sendMsgTimeout", "retryTimesWhenSendFailed");
        Class<?> routes = Class.forName("org.apache.rocketmq.namesrv.routeinfo.RouteInfoManager");
        for (Field field : routes.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getName().endsWith("BROKER_CHANNEL_EXPIRED_TIME")) {
                field.setAccessible(true);
                System.out.println("brokerChannelExpiredTime=" + field.get(null));
            }
        }
    }

    static void print(String className, String... names) throws Exception {
        Class<?> type = Class.forName(className);
        Object instance = type.getDeclaredConstructor().newInstance();
        for (String name : names) {
            Field field = type.getDeclaredField(name);
            field.setAccessible(true);
            System.out.println(name + "=" + field.get(instance));
        }
    }
}
