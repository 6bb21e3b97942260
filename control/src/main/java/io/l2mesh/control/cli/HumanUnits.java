package io.l2mesh.control.cli;

import java.util.Locale;

/**
 * Numbers for people ({@code ctl stats -H}): counts and rates in powers of 1000 (k, M, G, T), bytes in powers of
 * 1024 (KiB, MiB, GiB, TiB), with one decimal; values below the first step as they are.
 */
final class HumanUnits
{
    private static final String[] SI = {"", "k", "M", "G", "T", "P"};
    private static final String[] IEC = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

    private HumanUnits()
    {
    }

    /**
     * @return e.g. "987", "1.2k", "3.4M".
     */
    static String count(final long value)
    {
        return scaled(value, 1000, SI, "");
    }

    /**
     * @return e.g. "512 B", "1.5 KiB", "2.0 GiB".
     */
    static String bytes(final long value)
    {
        return scaled(value, 1024, IEC, " ");
    }

    /**
     * @return e.g. "800 bit/s", "12.5 Mbit/s".
     */
    static String bitsPerSecond(final long value)
    {
        return scaled(value, 1000, SI, " ").stripTrailing() + (Math.abs(value) < 1000 ? " " : "") + "bit/s";
    }

    /**
     * @param separator between the number and the unit.
     */
    private static String scaled(final long value, final int step, final String[] units, final String separator)
    {
        double magnitude = Math.abs((double)value);
        int unit = 0;
        while (magnitude >= step && unit < units.length - 1)
        {
            magnitude /= step;
            unit++;
        }
        final String number = unit == 0 ? Long.toString(Math.abs(value)) :
            String.format(Locale.ROOT, "%.1f", magnitude);
        return (value < 0 ? "-" : "") + number + (units[unit].isEmpty() ? "" : separator + units[unit]);
    }

    /**
     * Parses a size: a whole number of bytes, or one followed by K, M, G or T (powers of 1024; "KiB", "MB" and
     * lower case are taken the same).
     *
     * @throws IllegalArgumentException naming what is wrong.
     */
    static long parseBytes(final String text)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*([0-9]+)\\s*([kmgt]?)(i?b)?\\s*")
            .matcher(text);
        if (!m.matches())
        {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 1048576, 512K, 100M, 2G)");
        }
        final int shift = switch (m.group(2).toLowerCase(Locale.ROOT))
        {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        final long number;
        try
        {
            number = Long.parseLong(m.group(1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        if (number > (Long.MAX_VALUE >> shift))
        {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return number << shift;
    }

    /**
     * picocli's converter for {@link #parseBytes}.
     */
    static final class SizeConverter implements picocli.CommandLine.ITypeConverter<Long>
    {
        @Override
        public Long convert(final String value)
        {
            try
            {
                return parseBytes(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new picocli.CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }
}
