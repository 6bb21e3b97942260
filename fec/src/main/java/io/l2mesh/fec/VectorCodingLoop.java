package io.l2mesh.fec;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
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
    private final boolean maskedTail;
    private final ByteVector[] low = new ByteVector[Gf256.FIELD_SIZE];
    private final ByteVector[] high = new ByteVector[Gf256.FIELD_SIZE];

    /**
     * @param maskedTail finish a length that is not a whole number of vectors with one masked vector (cheap where
     *                   the CPU masks bytes, AVX-512BW) rather than with the table loop.
     */
    public VectorCodingLoop(final VectorSpecies<Byte> species, final boolean maskedTail)
    {
        this.species = species;
        this.maskedTail = maskedTail;
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
        final long vectorEnd = offset + length - length % lanes;
        final ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        // Each output vector is accumulated in a register over all inputs and stored once. (Measured: loading
        // four outputs' worth per input chunk, or iterating chunk-major across segments, is slower here.)
        for (long p = offset; p < vectorEnd; p += lanes)
        {
            for (int o = 0; o < outputCount; o++)
            {
                final byte[] row = rows[o];
                ByteVector sum = multiply(ByteVector.fromMemorySegment(species, inputs[inputFrom], p, order),
                    row[0] & 0xff);
                for (int i = 1; i < inputCount; i++)
                {
                    sum = sum.lanewise(VectorOperators.XOR,
                        multiply(ByteVector.fromMemorySegment(species, inputs[inputFrom + i], p, order),
                            row[i] & 0xff));
                }
                sum.intoMemorySegment(outputs[outputFrom + o], p, order);
            }
        }
        if (vectorEnd < offset + length)
        {
            TableCodingLoop.INSTANCE.code(rows, inputs, inputFrom, inputCount, outputs, outputFrom, outputCount,
                vectorEnd, (int)(offset + length - vectorEnd));
        }
    }

    @Override
    public void multiplyAccumulate(
        final int coefficient, final MemorySegment in, final long inOffset, final MemorySegment out,
        final long outOffset, final int length)
    {
        final int lanes = species.length();
        final int vectorLength = length - length % lanes;
        final ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        final int c = coefficient & 0xff;
        for (int p = 0; p < vectorLength; p += lanes)
        {
            multiply(ByteVector.fromMemorySegment(species, in, inOffset + p, order), c)
                .lanewise(VectorOperators.XOR, ByteVector.fromMemorySegment(species, out, outOffset + p, order))
                .intoMemorySegment(out, outOffset + p, order);
        }
        if (vectorLength < length)
        {
            if (maskedTail)
            {
                final VectorMask<Byte> mask = species.indexInRange(vectorLength, length);
                multiply(ByteVector.fromMemorySegment(species, in, inOffset + vectorLength, order, mask), c)
                    .lanewise(VectorOperators.XOR,
                        ByteVector.fromMemorySegment(species, out, outOffset + vectorLength, order, mask))
                    .intoMemorySegment(out, outOffset + vectorLength, order, mask);
            }
            else
            {
                TableCodingLoop.INSTANCE.multiplyAccumulate(c, in, inOffset + vectorLength, out,
                    outOffset + vectorLength, length - vectorLength);
            }
        }
    }

    /**
     * One pass over the input for all parities: each input vector is loaded and split into nibbles once, then
     * multiplied into every output (measured against one pass per parity in {@code FecStreamBenchmark}).
     */
    @Override
    public void multiplyAccumulate(
        final byte[] coefficients, final MemorySegment in, final long inOffset, final MemorySegment out,
        final long outOffset, final long outStride, final int length)
    {
        final int lanes = species.length();
        final int vectorLength = length - length % lanes;
        final ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        final int outputs = coefficients.length;
        for (int p = 0; p < vectorLength; p += lanes)
        {
            final ByteVector x = ByteVector.fromMemorySegment(species, in, inOffset + p, order);
            final ByteVector lowNibbles = x.and((byte)0x0f);
            final ByteVector highNibbles = x.lanewise(VectorOperators.LSHR, 4).and((byte)0x0f);
            for (int j = 0; j < outputs; j++)
            {
                final int c = coefficients[j] & 0xff;
                final long at = outOffset + j * outStride + p;
                lowNibbles.selectFrom(low[c]).lanewise(VectorOperators.XOR, highNibbles.selectFrom(high[c]))
                    .lanewise(VectorOperators.XOR, ByteVector.fromMemorySegment(species, out, at, order))
                    .intoMemorySegment(out, at, order);
            }
        }
        if (vectorLength < length && maskedTail)
        {
            final VectorMask<Byte> mask = species.indexInRange(vectorLength, length);
            final ByteVector x = ByteVector.fromMemorySegment(species, in, inOffset + vectorLength, order, mask);
            final ByteVector lowNibbles = x.and((byte)0x0f);
            final ByteVector highNibbles = x.lanewise(VectorOperators.LSHR, 4).and((byte)0x0f);
            for (int j = 0; j < outputs; j++)
            {
                final int c = coefficients[j] & 0xff;
                final long at = outOffset + j * outStride + vectorLength;
                lowNibbles.selectFrom(low[c]).lanewise(VectorOperators.XOR, highNibbles.selectFrom(high[c]))
                    .lanewise(VectorOperators.XOR, ByteVector.fromMemorySegment(species, out, at, order, mask))
                    .intoMemorySegment(out, at, order, mask);
            }
        }
        else if (vectorLength < length)
        {
            TableCodingLoop.INSTANCE.multiplyAccumulate(coefficients, in, inOffset + vectorLength, out,
                outOffset + vectorLength, outStride, length - vectorLength);
        }
    }

    /**
     * {@code coefficient · x}: two 16-entry table lookups, one per nibble.
     */
    private ByteVector multiply(final ByteVector x, final int coefficient)
    {
        return x.and((byte)0x0f).selectFrom(low[coefficient]).lanewise(VectorOperators.XOR,
            x.lanewise(VectorOperators.LSHR, 4).and((byte)0x0f).selectFrom(high[coefficient]));
    }

    @Override
    public String name()
    {
        return "vector" + species.vectorBitSize();
    }
}
