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
}
