import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lists the property keys RocketMQ's MixAll.properties2Object can set on config classes.
 *
 * <p>properties2Object walks {@code getMethods()}: every public {@code setXxx} whose parameter
 * type's simple name is int/Integer, long/Long, double/Double, boolean/Boolean, float/Float or
 * String is fed the value of key {@code xxx} (the letter after "set" lower-cased). Anything
 * else, and any key nobody asks for, is ignored without a word.
 *
 * <p>Usage: {@code java -cp <jars>:<this dir> ListKeys [?]fully.qualified.Class ...}; a leading
 * "?" marks a class that may be absent in this version. Prints TSV lines
 * {@code key, type, default, classes}, sorted by key. A String setter with an enum-typed
 * sibling of the same name (setBrokerRole(BrokerRole) and setBrokerRole(String)) reports the
 * enum's name as the type. Written for rmqlab.
 */
public final class ListKeys {
    private static final Map<String, String> PARSED = Map.ofEntries(
        Map.entry("int", "int"), Map.entry("Integer", "int"),
        Map.entry("long", "long"), Map.entry("Long", "long"),
        Map.entry("double", "double"), Map.entry("Double", "double"),
        Map.entry("float", "float"), Map.entry("Float", "float"),
        Map.entry("boolean", "boolean"), Map.entry("Boolean", "boolean"),
        Map.entry("String", "String"));

    private ListKeys() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String[]> rows = new TreeMap<>();
        Set<String> local = localIdentity();
        for (String arg : args) {
            boolean optional = arg.startsWith("?");
            String name = optional ? arg.substring(1) : arg;
            Class<?> type;
            try {
                type = Class.forName(name);
            } catch (ClassNotFoundException absent) {
                if (optional) {
                    continue;
                }
                throw absent;
            }
            Object instance = type.getDeclaredConstructor().newInstance();
            List<Method> methods = new ArrayList<>();
            Collections.addAll(methods, type.getMethods());
            for (Method method : methods) {
                String methodName = method.getName();
                if (!methodName.startsWith("set") || methodName.length() < 4 || method.getParameterCount() != 1) {
                    continue;
                }
                String parsed = PARSED.get(method.getParameterTypes()[0].getSimpleName());
                if (parsed == null) {
                    continue;
                }
                String key = methodName.substring(3, 4).toLowerCase() + methodName.substring(4);
                String keyType = parsed.equals("String") ? enumSibling(methods, methodName, parsed) : parsed;
                String value = render(defaultValue(instance, type, methodName.substring(3), key), local);
                String[] row = rows.get(key);
                if (row == null) {
                    rows.put(key, new String[] {keyType, value, type.getSimpleName()});
                } else if (!Arrays.asList(row[2].split(",")).contains(type.getSimpleName())) {
                    if (!row[0].equals(keyType)) {
                        row[0] = row[0] + "|" + keyType;
                    }
                    row[2] = row[2] + "," + type.getSimpleName();
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String[]> entry : rows.entrySet()) {
            String[] row = entry.getValue();
            out.append(entry.getKey()).append('\t').append(row[0]).append('\t').append(row[1]).append('\t')
                .append(row[2]).append('\n');
        }
        System.out.print(out);
    }

    private static String enumSibling(List<Method> methods, String name, String fallback) {
        for (Method other : methods) {
            if (other.getName().equals(name) && other.getParameterCount() == 1
                && other.getParameterTypes()[0].isEnum()) {
                return other.getParameterTypes()[0].getSimpleName();
            }
        }
        return fallback;
    }

    private static Object defaultValue(Object instance, Class<?> type, String suffix, String key) {
        for (String prefix : new String[] {"get", "is"}) {
            try {
                Method getter = type.getMethod(prefix + suffix);
                if (getter.getParameterCount() == 0) {
                    return getter.invoke(instance);
                }
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // no such getter: try the next form, then the field
            }
        }
        for (Class<?> at = type; at != null; at = at.getSuperclass()) {
            try {
                Field field = at.getDeclaredField(key);
                field.setAccessible(true);
                return field.get(instance);
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // not declared here
            }
        }
        return "<unknown>";
    }

    private static String render(Object value, Set<String> local) {
        if (value == null) {
            return "<null>";
        }
        String text = value instanceof Enum ? ((Enum<?>) value).name() : String.valueOf(value);
        if (!text.isEmpty() && local.contains(text)) {
            return "<this host>";
        }
        String home = System.getProperty("user.home");
        if (home != null && !home.isEmpty()) {
            text = text.replace(home, "${user.home}");
        }
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    }

    /** Host name and addresses of this machine: defaults derived from them are not portable. */
    private static Set<String> localIdentity() {
        Set<String> names = new LinkedHashSet<>();
        try {
            InetAddress self = InetAddress.getLocalHost();
            names.add(self.getHostName());
            names.add(self.getHostAddress());
        } catch (Exception ignored) {
            // no resolvable host name
        }
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    String text = address.getHostAddress();
                    int zone = text.indexOf('%');
                    names.add(zone >= 0 ? text.substring(0, zone) : text);
                }
            }
        } catch (Exception ignored) {
            // no interfaces visible
        }
        return names;
    }
}
