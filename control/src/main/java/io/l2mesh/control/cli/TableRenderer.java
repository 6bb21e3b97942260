package io.l2mesh.control.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders rows as an aligned text table (numbers right-aligned), like {@code ovs-appctl fdb/show}.
 */
public final class TableRenderer
{
    /** A number, also with one decimal and a unit as {@code ctl stats -H} writes them ("1.5 KiB", "2.3k"). */
    private static final java.util.regex.Pattern NUMBER =
        java.util.regex.Pattern.compile("-?[0-9]+(\\.[0-9])?( ?([kMGTP]|[KMGTP]iB|B|[kMGTP]?bit/s))?");

    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    public TableRenderer(final String... headers)
    {
        this.headers = headers;
    }

    public TableRenderer row(final Object... cells)
    {
        final String[] row = new String[headers.length];
        for (int i = 0; i < headers.length; i++)
        {
            row[i] = i < cells.length ? String.valueOf(cells[i]) : "";
        }
        rows.add(row);
        return this;
    }

    public String render()
    {
        final int[] widths = new int[headers.length];
        final boolean[] numeric = new boolean[headers.length];
        for (int i = 0; i < headers.length; i++)
        {
            widths[i] = headers[i].length();
            numeric[i] = !rows.isEmpty();
        }
        for (final String[] row : rows)
        {
            for (int i = 0; i < row.length; i++)
            {
                widths[i] = Math.max(widths[i], row[i].length());
                numeric[i] &= NUMBER.matcher(row[i]).matches();
            }
        }
        final StringBuilder sb = new StringBuilder();
        append(sb, headers, widths, numeric);
        for (final String[] row : rows)
        {
            append(sb, row, widths, numeric);
        }
        return sb.toString();
    }

    private static void append(
        final StringBuilder sb, final String[] cells, final int[] widths, final boolean[] numeric)
    {
        final StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++)
        {
            if (i > 0)
            {
                line.append("  ");
            }
            final String pad = " ".repeat(widths[i] - cells[i].length());
            line.append(numeric[i] ? pad + cells[i] : cells[i] + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }
}
