package dev.specula.launcher.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Editing-style prompts, where the answer quotes the prompt (a code rewrite): a window of held-out JDK code, then
 * the start of its rewrite — the same code's first lines — so that a faithful continuation copies the rest:
 *
 * <pre>
 * // original:
 * &lt;code&gt;
 * // rewritten:
 * &lt;the code's first lead lines&gt;
 * </pre>
 */
final class EditingPrompts {

    private EditingPrompts() {
    }

    /**
     * @param count     prompts wanted
     * @param codeChars approximate length of the quoted code
     * @param leadLines lines of the code repeated after "// rewritten:"
     */
    static List<String> load(int count, int codeChars, int leadLines) {
        List<String> prompts = new ArrayList<>();
        for (String code : HeldOutPrompts.load(count, codeChars)) {
            prompts.add(prompt(code, leadLines));
        }
        return prompts;
    }

    static String prompt(String code, int leadLines) {
        int end = 0;
        for (int line = 0; line < leadLines; line++) {
            int next = code.indexOf('\n', end);
            if (next < 0) {
                break;
            }
            end = next + 1;
        }
        return "// original:\n" + code + (code.endsWith("\n") ? "" : "\n") + "// rewritten:\n" + code.substring(0, end);
    }
}
