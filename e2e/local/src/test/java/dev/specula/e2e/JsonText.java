package dev.specula.e2e;

/** Reads one string field out of a JSON document (enough for an OpenAI completion's text; no JSON library here). */
final class JsonText {

    private JsonText() {
    }

    /** The value of the first {@code "name": "..."} string field, unescaped. */
    static String field(String json, String name) {
        int key = json.indexOf("\"" + name + "\"");
        if (key < 0) {
            throw new IllegalArgumentException("no field " + name + " in " + json);
        }
        int i = json.indexOf('"', json.indexOf(':', key) + 1) + 1;
        StringBuilder out = new StringBuilder();
        while (json.charAt(i) != '"') {
            char c = json.charAt(i++);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = json.charAt(i++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(json.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> out.append(e);
            }
        }
        return out.toString();
    }
}
