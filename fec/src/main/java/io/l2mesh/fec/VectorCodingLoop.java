package io.l2mesh.fec;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * SIMD coding loop on the incubating Vector API: split-nibble tables. For a coefficient c, {@code c·x =
 * LOW[x & 15] ^ HIGH[x >> 4]} with two 16-entry tables, and a 16-entry byte table lookup is one byte shuffle
 * ({@code pshufb} on x86). Loaded only when {@link CodingLoops} selects it, because the incubator module must be
 * added to the JVM ({@code --add-modules jdk.incubator.vector}), which prints a warning at start-up.
 */
public final class VectorCodingLoop implements CodingLoop
{
    private final VectorSpecies<Byte> species;
    private final ByteVector[] low = new ByteVector[Gf256.FIELD_SIZE];
    private final ByteVector[] high = new ByteVector[Gf256.FIELD_SIZE];

    public VectorCodingLoop(final VectorSpecies<Byte> species)
    {
        this.species = species;
        final int lanes = species.length();
        for (int c = 0; c < Gf256.FIELD_SIZE; c++)
        {
            final byte[] lowTable = new byte[lanes];
            final byte[] highTable = new byte[lanes];
            for (int j = 0; j < lanes; j++)
            {
                lowTable[j] = (byte)Gf256.multiply(c, j & 15);
                highTable[j] = (byte)Gf256.multiply(c, (j & 15) << 4);
            }
            low[c] = ByteVector.fromArray(species, lowTable, 0);
            high[c] = ByteVector.fromArray(species, highTable, 0);
        }
    }

    @Override
    public void code(
        final byte[][] rows, final MemorySegment[] inputs, final int inputFrom, final int inputCount,
        final MemorySegment[] outputs, final int outputFrom, final int outputCount, final long offset,
        final int length)
    {
        final int lanes = species.length();
        final long end = offset + length;
        final long vectorEnd = offset + length - length % lanes;
        final ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        for (int o = 0; o < outputCount; o++)
        {
            final byte[] row = rows[o];
            final MemorySegment out = outputs[outputFrom + o];
            for (int i = 0; i < inputCount; i++)
            {
                final int c = row[i] & 0xff;
                final ByteVector lowTable = low[c];
                final ByteVector highTable = high[c];
                final MemorySegment in = inputs[inputFrom + i];
                long p = offset;
                for (; p < vectorEnd; p += lanes)
                {
                    final ByteVector x = ByteVector.fromMemorySegment(species, in, p, order);
                    final ByteVector product = x.and((byte)0x0f).selectFrom(lowTable)
                        .lanewise(VectorOperators.XOR,
                            x.lanewise(VectorOperators.LSHR, 4).and((byte)0x0f).selectFrom(highTable));
                    if (i == 0)
                    {
                        product.intoMemorySegment(out, p, order);
                    }
                    else
                    {
                        ByteVector.fromMemorySegment(species, out, p, order).lanewise(VectorOperators.XOR, product)
                            .intoMemorySegment(out, p, order);
                    }
                }
                final byte[] table = Gf256.MUL_TABLE[c];
                for (; p < end; p++)
                {
                    final byte product = table[in.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p) & 0xff];
                    out.set(java.lang.foreign.ValueLayout.JAVA_BYTE, p, i == 0 ? product :
                        (byte)(out.get(java.lang.foreign.ValueLayout.JAVA_BYTE, p) ^ product));
                }
            }
        }
    }

    @Override
    public String name()
    {
        return "vector" + species.vectorBitSize();
    }
}
