package rmqlab.launch;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * rmqlab's broker launcher, written for rmqlab: RocketMQ's own BrokerStartup, with DLedger's election
 * timing taken from -Drmqlab.dledger.FIELD=VALUE before the broker starts.
 *
 * No broker.properties key reaches these DLedgerConfig fields; the broker builds its DLedgerConfig from a
 * few store settings and leaves the rest at DLedger's defaults. This class builds the broker the way
 * BrokerStartup.main does (createBrokerController, then start), sets the fields on the DLedgerConfig the
 * commit log holds, and prints what the config then reads. DLedgerLeaderElector copies the fields again
 * on every pass of its state loop, so they take effect from its first election on.
 *
 * Only reflection on names shared by RocketMQ 4.7 to 5.5 (DLedger 0.1 to 0.3.x), so one jar serves all.
 * A field that cannot be set stops the broker with exit code 3: a run must never look tuned and be stock.
 */
public final class DLedgerTimings {
    static final String PREFIX = "rmqlab.dledger.";
    static final String[] FIELDS = {"heartBeatTimeIntervalMs", "maxHeartBeatLeak", "minVoteIntervalMs",
                                    "maxVoteIntervalMs"};

    private DLedgerTimings() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> startup = Class.forName("org.apache.rocketmq.broker.BrokerStartup");
        Class<?> controllerClass = Class.forName("org.apache.rocketmq.broker.BrokerController");
        Object controller = startup.getMethod("createBrokerController", String[].class).invoke(null, (Object) args);
        Map<String, Integer> wanted = wanted();
        if (!wanted.isEmpty()) {
            try {
                System.out.println("rmqlab: DLedger timing " + apply(controller, wanted) + " (set by rmqlab's launcher)");
            } catch (ReflectiveOperationException | RuntimeException error) {
                System.err.println("rmqlab: could not set DLedger timing " + wanted + ": " + error);
                System.exit(3);
            }
        }
        startup.getMethod("start", controllerClass).invoke(null, controller);
    }

    static Map<String, Integer> wanted() {
        Map<String, Integer> wanted = new LinkedHashMap<>();
        for (String field : FIELDS) {
            String value = System.getProperty(PREFIX + field);
            if (value != null) {
                wanted.put(field, Integer.valueOf(value.trim()));
            }
        }
        return wanted;
    }

    /** Set the fields, then read every timing field back from the config the elector reads. */
    static Map<String, Integer> apply(Object controller, Map<String, Integer> wanted)
            throws ReflectiveOperationException {
        Object store = call(controller, "getMessageStore");
        Object commitLog = call(store, "getCommitLog");
        Object server = call(commitLog, "getdLedgerServer");
        Object config = call(server, "getdLedgerConfig");
        for (Map.Entry<String, Integer> entry : wanted.entrySet()) {
            Method setter = config.getClass().getMethod("set" + capitalised(entry.getKey()), int.class);
            setter.invoke(config, entry.getValue());
        }
        Map<String, Integer> now = new LinkedHashMap<>();
        for (String field : FIELDS) {
            now.put(field, (Integer) call(config, "get" + capitalised(field)));
            if (wanted.containsKey(field) && !wanted.get(field).equals(now.get(field))) {
                throw new IllegalStateException(field + " reads " + now.get(field) + " after setting " + wanted.get(field));
            }
        }
        return now;
    }

    static Object call(Object target, String method) throws ReflectiveOperationException {
        return target.getClass().getMethod(method).invoke(target);
    }

    static String capitalised(String field) {
        return Character.toUpperCase(field.charAt(0)) + field.substring(1);
    }
}
