package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every value is documented (`## @param`), typed in values.schema.json, and listed in the chart README; the
 * generated files are therefore in step with values.yaml (hack/generate.py writes both).
 */
class ValuesDocumentationTest {

    private static final Pattern PARAM = Pattern.compile("^\\s*## @param (\\S+)\\s+(.+)$", Pattern.MULTILINE);
    private static Map<String, Object> values;
    private static Set<String> documented;
    private static JsonObject schema;
    private static String readme;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws Exception {
        String text = Files.readString(Chart.dir().resolve("values.yaml"));
        values = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        documented = new LinkedHashSet<>();
        Matcher m = PARAM.matcher(text);
        while (m.find()) {
            assertThat(documented.add(m.group(1))).as("duplicate @param %s", m.group(1)).isTrue();
        }
        schema = JsonParser.parseString(Files.readString(Chart.dir().resolve("values.schema.json"))).getAsJsonObject();
        readme = Files.readString(Chart.dir().resolve("README.md"));
    }

    @Test
    void everyValueHasAParamComment() {
        List<String> leaves = new ArrayList<>();
        collect(values, "", leaves);
        assertThat(documented).containsExactlyInAnyOrderElementsOf(leaves);
    }

    @Test
    void everyValueIsTypedInTheSchema() {
        assertThat(schema.getAsJsonObject("properties").keySet()).containsExactlyInAnyOrderElementsOf(values.keySet());
        for (String key : documented) {
            JsonObject node = schema;
            for (String part : key.split("\\.")) {
                assertThat(node.has("properties")).as("schema for %s stops before %s", key, part).isTrue();
                assertThat(node.get("additionalProperties")).as("%s: closed object", key).isNotNull();
                node = node.getAsJsonObject("properties").getAsJsonObject(part);
                assertThat(node).as("schema entry for %s", key).isNotNull();
            }
            assertThat(node.has("type") || node.has("$ref") || node.has("enum")).as("type of %s", key).isTrue();
            assertThat(node.has("description")).as("description of %s", key).isTrue();
        }
    }

    @Test
    void readmeListsEveryValue() {
        for (String key : documented) {
            assertThat(readme).as("README row for %s", key).contains("| `" + key + "` |");
        }
    }

    @SuppressWarnings("unchecked")
    private static void collect(Object node, String prefix, List<String> out) {
        if (node instanceof Map<?, ?> map && !map.isEmpty() && !documented.contains(prefix)) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                collect(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
            }
        } else {
            out.add(prefix);
        }
    }
}
