package io.l2mesh.fec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Portable coding loop: for each coefficient, the 256-entry row of {@link Gf256#MUL_TABLE}; eight bytes per step
 * (one 64-bit load, eight lookups, one 64-bit store), output by output, so each output is written once per
 * input without a temporary.
 */
public final class TableCodingLoop implements CodingLoop
{
    public static final TableCodingLoop INSTANCE = new TableCodingLoop();

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    @Override
    public void code(
        final byte[][] rows, final MemorySegment[] inputs, final int inputFrom, final int inputCount,
        final MemorySegment[] outputs, final int outputFrom, final int outputCount, final long offset,
        final int length)
    {
        final long end = offset + length;
        final long end8 = offset + (length & ~7);
        for (int o = 0; o < outputCount; o++)
        {
            final byte[] row = rows[o];
            final MemorySegment out = outputs[outputFrom + o];
            for (int i = 0; i < inputCount; i++)
            {
                final byte[] table = Gf256.MUL_TABLE[row[i] & 0xff];
                final MemorySegment in = inputs[inputFrom + i];
                long p = offset;
                if (i == 0)
                {
                    for (; p < end8; p += 8)
                    {
                        out.set(LONG, p, multiply8(table, in.get(LONG, p)));
                    }
                    for (; p < end; p++)
                    {
                        out.set(ValueLayout.JAVA_BYTE, p, table[in.get(ValueLayout.JAVA_BYTE, p) & 0xff]);
                    }
                }
                else
                {
                    for (; p < end8; p += 8)
                    {
                        out.set(LONG, p, out.get(LONG, p) ^ multiply8(table, in.get(LONG, p)));
                    }
                    for (; p < end; p++)
                    {
                        out.set(ValueLayout.JAVA_BYTE, p, (byte)(out.get(ValueLayout.JAVA_BYTE, p) ^
                            table[in.get(ValueLayout.JAVA_BYTE, p) & 0xff]));
                    }
                }
            }
        }
    }

    @Override
    public void multiplyAccumulate(
        final int coefficient, final MemorySegment in, final long inOffset, final MemorySegment out,
        final long outOffset, final int length)
    {
        final byte[] table = Gf256.MUL_TABLE[coefficient & 0xff];
        final int length8 = length & ~7;
        int p = 0;
        for (; p < length8; p += 8)
        {
            out.set(LONG, outOffset + p, out.get(LONG, outOffset + p) ^ multiply8(table, in.get(LONG, inOffset + p)));
        }
        for (; p < length; p++)
        {
            out.set(ValueLayout.JAVA_BYTE, outOffset + p, (byte)(out.get(ValueLayout.JAVA_BYTE, outOffset + p) ^
                table[in.get(ValueLayout.JAVA_BYTE, inOffset + p) & 0xff]));
        }
    }

    private static long multiply8(final byte[] table, final long x)
    {
        return (table[(int)x & 0xff] & 0xffL) |
            (table[(int)(x >>> 8) & 0xff] & 0xffL) << 8 |
            (table[(int)(x >>> 16) & 0xff] & 0xffL) << 16 |
            (table[(int)(x >>> 24) & 0xff] & 0xffL) << 24 |
            (table[(int)(x >>> 32) & 0xff] & 0xffL) << 32 |
            (table[(int)(x >>> 40) & 0xff] & 0xffL) << 40 |
            (table[(int)(x >>> 48) & 0xff] & 0xffL) << 48 |
            (table[(int)(x >>> 56) & 0xff] & 0xffL) << 56;
    }

    @Override
    public String name()
    {
        return "table";
    }
}
