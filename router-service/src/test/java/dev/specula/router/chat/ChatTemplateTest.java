package dev.specula.router.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.router.plan.InvalidParameterException;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat templates rendered by Jinjava as Hugging Face renders them. */
class ChatTemplateTest {
    private static final Path TINY = Path.of("../models/test-tiny");
    private static final List<Map<String, Object>> CONVERSATION = List.of(
            Map.of("role", "system", "content", "Be brief."),
            Map.of("role", "user", "content", "Hi"));

    @Test
    void rendersTheInlineTemplateOfTokenizerConfigWithGenerationPrompt() {
        ChatTemplate template = ChatTemplate.forModel(ModelFolder.open(TINY), null);

        assertThat(template.source()).isEqualTo("tokenizer_config.json");
        assertThat(template.render(CONVERSATION, true)).isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(template.render(CONVERSATION, false)).endsWith("Hi<|im_end|>\n");
    }

    @Test
    void chatTemplateJinjaFileWinsOverTheInlineKey(@TempDir Path dir) throws Exception {
        for (String file : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json",
                "generation_config.json", "model.onnx"}) {
            Files.copy(TINY.resolve(file), dir.resolve(file));
        }
        Files.writeString(dir.resolve("chat_template.jinja"),
                "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"
                        + "{% if add_generation_prompt %}[assistant] {% endif %}");
        ChatTemplate template = ChatTemplate.forModel(ModelFolder.open(dir), null);

        String prompt = template.render(CONVERSATION, true);
        assertThat(template.source()).isEqualTo("chat_template.jinja");
        assertThat(prompt).isEqualTo("<|endoftext|>[system] Be brief.\n[user] Hi\n[assistant] ");
        // Tokenised without special tokens: the template's BOS is the only one.
        try (TextTokenizer tokenizer = TextTokenizer.load(ModelFolder.open(dir))) {
            int[] ids = tokenizer.encode(prompt);
            assertThat(ids[0]).isEqualTo(256);
            assertThat(ids[1]).isNotEqualTo(256);
        }
    }

    @Test
    void defaultTemplateIsAPlainTranscript() {
        ChatTemplate template = ChatTemplate.defaultTemplate(Map.of("bos_token", ""));

        assertThat(template.render(CONVERSATION, true)).isEqualTo("System: Be brief.\n\nUser: Hi\n\nAssistant:");
    }

    @Test
    void raiseExceptionRefusesTheConversation() {
        ChatTemplate template = ChatTemplate.of("{% if messages[0]['role'] != 'user' %}"
                + "{{ raise_exception('Conversation must start with a user message') }}{% endif %}ok", Map.of());

        assertThatThrownBy(() -> template.render(CONVERSATION, true)).isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("Conversation must start with a user message");
        assertThat(template.render(List.of(Map.of("role", "user", "content", "x")), true)).isEqualTo("ok");
    }

    @Test
    void lstripBlocksOnlyStripsIndentationBeforeTagsAsJinjaDoes() {
        ChatTemplate template = ChatTemplate.of("{% for m in messages %}\n    {% if m.role == 'user' %}\n"
                + "U: {{ m.content }} {% if true %}!{% endif %}\n    {% endif %}\n{% endfor %}", Map.of());

        assertThat(template.render(CONVERSATION, false)).isEqualTo("U: Hi !");
    }

    @Test
    void loopVariablesAndFiltersWork() {
        ChatTemplate template = ChatTemplate.of("{% for m in messages %}{% if loop.first %}>{% endif %}"
                + "{{ m['content'] | trim }}{% if not loop.last %}|{% endif %}{% endfor %}", Map.of());

        assertThat(template.render(List.of(Map.of("role", "user", "content", " a "),
                Map.of("role", "assistant", "content", "b")), false)).isEqualTo(">a|b");
    }
}
