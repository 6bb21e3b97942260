package io.l2mesh.fec;

import java.lang.foreign.MemorySegment;

/**
 * Picks the coding loop: the SIMD one (about 3× faster, see docs/BENCHMARKS.md) whenever the JVM was started with
 * {@code --add-modules jdk.incubator.vector}, unless {@code -Dl2mesh.fec.simd=false}; the portable table loop
 * otherwise. The module is opt-in (the launcher adds it with {@code L2MESH_FEC_SIMD=1}) because the JVM prints a
 * warning at start-up for any incubator module.
 */
public final class CodingLoops
{
    public static final String SIMD_PROP_NAME = "l2mesh.fec.simd";

    private CodingLoops()
    {
    }

    public static CodingLoop preferred()
    {
        if (!"false".equals(System.getProperty(SIMD_PROP_NAME)) && vectorModulePresent())
        {
            return vector(256);
        }
        return TableCodingLoop.INSTANCE;
    }

    public static boolean vectorModulePresent()
    {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * @param bits 128 or 256.
     * @throws IllegalStateException without the incubator module.
     */
    public static CodingLoop vector(final int bits)
    {
        if (!vectorModulePresent())
        {
            throw new IllegalStateException("the SIMD coding loop needs --add-modules jdk.incubator.vector");
        }
        return VectorLoopFactory.create(bits);
    }

    /**
     * Keeps the incubator classes out of {@link CodingLoops} so that loading it never needs the module.
     */
    private static final class VectorLoopFactory
    {
        static CodingLoop create(final int bits)
        {
            return new VectorCodingLoop(bits == 128 ? jdk.incubator.vector.ByteVector.SPECIES_128 :
                jdk.incubator.vector.ByteVector.SPECIES_256);
        }
    }

    static void checkShards(final MemorySegment[] shards, final int count, final long offset, final int length)
    {
        if (shards.length < count)
        {
            throw new IllegalArgumentException("expected " + count + " shards, got " + shards.length);
        }
        if (offset < 0 || length < 0)
        {
            throw new IllegalArgumentException("offset=" + offset + " and length=" + length + " must not be negative");
        }
        for (int i = 0; i < count; i++)
        {
            if (shards[i] == null)
            {
                throw new IllegalArgumentException("shard " + i + " is null");
            }
            if (shards[i].byteSize() < offset + length)
            {
                throw new IllegalArgumentException("shard " + i + " has " + shards[i].byteSize() + " bytes, needs " +
                    (offset + length) + " (offset " + offset + " + length " + length + ")");
            }
        }
    }
}
