/**
 * Model folders: the Hugging Face files beside {@code model.onnx} ({@code config.json},
 * {@code generation_config.json}, {@code tokenizer.json}, {@code tokenizer_config.json}), read and validated
 * into typed records. Every problem surfaces as a {@link dev.specula.runtime.model.ModelLoadException} that
 * names the folder, the file and the field.
 */
package dev.specula.runtime.model;
