import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Test oracle: for each line of stdin (a string written as four hex digits per UTF-16 char), prints
 * what Integer.parseInt and Long.parseLong make of it, as MixAll.properties2Object calls them:
 *   <int or "refused"> <long or "refused">
 */
public class ParseInts {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(System.out, false, StandardCharsets.UTF_8);
        for (String line; (line = in.readLine()) != null; ) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i + 4 <= line.length(); i += 4) {
                text.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
            }
            out.println(asInt(text.toString()) + " " + asLong(text.toString()));
        }
        out.flush();
    }

    private static String asInt(String text) {
        try {
            return Integer.toString(Integer.parseInt(text));
        } catch (NumberFormatException refused) {
            return "refused";
        }
    }

    private static String asLong(String text) {
        try {
            return Long.toString(Long.parseLong(text));
        } catch (NumberFormatException refused) {
            return "refused";
        }
    }
}
