package dev.specula.launcher.bench;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A benchmark's output: {@code {"scenario", "machine", "results": [...], "summary": {...}}}, and its table. */
public record BenchReport(String scenario, Map<String, Object> machine, List<Map<String, Object>> results,
                          Map<String, Object> summary) {

    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario);
        root.put("machine", machine);
        root.put("results", results);
        root.put("summary", summary);
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(root);
    }

    public void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, toJson() + "\n");
    }

    /** Results as an aligned table, then the summary. */
    public void print(PrintStream out) {
        out.println("scenario: " + scenario);
        if (!results.isEmpty()) {
            List<String> columns = new ArrayList<>(results.get(0).keySet());
            int[] widths = new int[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                widths[c] = columns.get(c).length();
                for (Map<String, Object> row : results) {
                    widths[c] = Math.max(widths[c], cell(row.get(columns.get(c))).length());
                }
            }
            StringBuilder header = new StringBuilder();
            for (int c = 0; c < columns.size(); c++) {
                header.append(String.format("%-" + (widths[c] + 2) + "s", columns.get(c)));
            }
            out.println(header.toString().stripTrailing());
            for (Map<String, Object> row : results) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < columns.size(); c++) {
                    line.append(String.format("%-" + (widths[c] + 2) + "s", cell(row.get(columns.get(c)))));
                }
                out.println(line.toString().stripTrailing());
            }
        }
        out.println("summary:");
        summary.forEach((key, value) -> out.println("  " + key + " = " + cell(value)));
    }

    private static String cell(Object value) {
        if (value instanceof Double d) {
            return Math.abs(d) >= 100 ? String.format("%.1f", d) : String.format("%.4g", d);
        }
        return String.valueOf(value);
    }
}
