import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * Test oracle: loads each file named on stdin (one path a line) with Properties.load(InputStream),
 * as RocketMQ's startup classes do, and prints one line per file:
 *   OK <key>:<value> <key>:<value> ...   every char as four hex digits (UTF-16 code units)
 *   ERR <exception class>: <message>
 */
public class LoadProperties {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    public static void main(String[] args) throws Exception {
        BufferedReader paths = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter stdout = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (String path; (path = paths.readLine()) != null; ) {
            out.setLength(0);
            Properties properties = new Properties();
            try (InputStream in = new FileInputStream(path)) {
                properties.load(in);
                out.append("OK");
                for (Map.Entry<Object, Object> entry : properties.entrySet()) {
                    out.append(' ').append(hex((String) entry.getKey())).append(':').append(hex((String) entry.getValue()));
                }
            } catch (Exception error) {
                out.append("ERR ").append(error.getClass().getName()).append(": ").append(error.getMessage());
            }
            stdout.println(out);
        }
        stdout.flush();
    }

    private static String hex(String text) {
        char[] hex = new char[text.length() * 4];
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            for (int nibble = 0; nibble < 4; nibble++) {
                hex[i * 4 + nibble] = DIGITS[(c >> (12 - 4 * nibble)) & 0xf];
            }
        }
        return new String(hex);
    }
}
