package io.l2mesh.control.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: config files of any text. Parsing gives a config or a {@link ConfigException} naming a line and
 * what is wrong (what {@code l2mesh check-config} prints); nothing else.
 */
class ConfigFileFuzzTest
{
    @FuzzTest
    void files(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final String text = data.consumeRemainingAsString();
        try
        {
            assertThat(ConfigFile.parse("fuzz.yaml", text)).isNotNull();
        }
        catch (final ConfigException refused)
        {
            assertThat(refused.getMessage()).contains("fuzz.yaml");
        }
    }
}
