package io.l2mesh.fec;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Picks the coding loop: Intel ISA-L through FFM when {@code libisal.so.2} loads ({@link IsalCodingLoop}; unless
 * {@code -Dl2mesh.fec.simd} names a Java loop or {@code -Dl2mesh.fec.noIsal=true}); otherwise the SIMD one
 * (5-10× faster than the table loop, see docs/BENCHMARKS.md) whenever the JVM was started with
 * {@code --add-modules jdk.incubator.vector}, at the widest vector size the CPU shuffles bytes well at, once it is
 * warm ({@link WarmingCodingLoop}), unless {@code -Dl2mesh.fec.simd=false} (the table loop) or
 * {@code =128|256|512} (that size, from the first call); the portable table loop without the module. The
 * launcher adds the module unless {@code L2MESH_FEC_SIMD=0}; the JVM then prints one warning at start-up, as for
 * any incubator module.
 */
public final class CodingLoops
{
    public static final String SIMD_PROP_NAME = "l2mesh.fec.simd";

    private CodingLoops()
    {
    }

    public static CodingLoop preferred()
    {
        final String setting = System.getProperty(SIMD_PROP_NAME, "");
        if (setting.isEmpty() && IsalHolder.INSTANCE != null)
        {
            return IsalHolder.INSTANCE; // ISA-L when installed: several times the Java SIMD loop
        }
        if ("false".equals(setting) || !vectorModulePresent())
        {
            return TableCodingLoop.INSTANCE;
        }
        if (setting.equals("128") || setting.equals("256") || setting.equals("512"))
        {
            return vector(Integer.parseInt(setting));
        }
        // The table loop until the SIMD one is compiled and measured faster: see WarmingCodingLoop. One per JVM:
        // compiled code is shared by every thread, so one warm-up serves every tunnel port.
        return SharedWarmingLoop.INSTANCE;
    }

    /**
     * 512-bit vectors only where the CPU has byte-wise shuffles and masks at that width (AVX-512 VBMI and BW):
     * elsewhere a 512-bit byte shuffle is emulated and far slower than 256-bit ones.
     */
    static int preferredBits(final String cpuFlags, final int jvmPreferredBits)
    {
        final boolean wideBytes = cpuFlags.contains(" avx512vbmi ") && cpuFlags.contains(" avx512bw ");
        if (jvmPreferredBits >= 512 && wideBytes)
        {
            return 512;
        }
        return jvmPreferredBits >= 256 ? 256 : 128;
    }

    private static String cpuFlags()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("flags"))
                {
                    return line.substring(line.indexOf(':') + 1) + " ";
                }
            }
        }
        catch (final IOException | RuntimeException ignored)
        {
            // Not Linux, or no /proc: the 256-bit loop, which every x86-64 with AVX2 and every AArch64 runs well.
        }
        return "";
    }

    public static boolean vectorModulePresent()
    {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * @param bits 128, 256 or 512.
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

    private static final class IsalHolder
    {
        static final CodingLoop INSTANCE = IsalCodingLoop.loadOrNull();
    }

    private static final class SharedWarmingLoop
    {
        static final CodingLoop INSTANCE = new WarmingCodingLoop(TableCodingLoop.INSTANCE,
            vector(preferredBits(cpuFlags(), VectorLoopFactory.preferredBits())));
    }

    /**
     * Keeps the incubator classes out of {@link CodingLoops} so that loading it never needs the module.
     */
    private static final class VectorLoopFactory
    {
        static int preferredBits()
        {
            return jdk.incubator.vector.ByteVector.SPECIES_PREFERRED.vectorBitSize();
        }

        static CodingLoop create(final int bits)
        {
            return switch (bits)
            {
                case 128 -> new VectorCodingLoop(jdk.incubator.vector.ByteVector.SPECIES_128, false);
                case 512 -> new VectorCodingLoop(jdk.incubator.vector.ByteVector.SPECIES_512, true);
                default -> new VectorCodingLoop(jdk.incubator.vector.ByteVector.SPECIES_256, false);
            };
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
