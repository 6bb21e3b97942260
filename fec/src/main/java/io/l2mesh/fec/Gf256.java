package io.l2mesh.fec;

/**
 * Arithmetic in GF(2^8) with the field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator 2: the field
 * of Backblaze's JavaReedSolomon and klauspost/reedsolomon, so our parity bytes equal theirs.
 * <p>
 * Addition is XOR. Multiplication goes through log/exp tables, or through {@link #MUL_TABLE}, the full 256×256
 * product table (64 KiB) that the coding loops index by coefficient.
 */
public final class Gf256
{
    public static final int FIELD_SIZE = 256;
    public static final int POLYNOMIAL = 0x11d;
    public static final int GENERATOR = 2;

    private static final short[] LOG = new short[FIELD_SIZE];
    private static final byte[] EXP = new byte[FIELD_SIZE * 2];

    /** {@code MUL_TABLE[a][b] = a · b}. */
    public static final byte[][] MUL_TABLE = new byte[FIELD_SIZE][FIELD_SIZE];

    static
    {
        int x = 1;
        for (int i = 0; i < FIELD_SIZE - 1; i++)
        {
            EXP[i] = (byte)x;
            EXP[i + FIELD_SIZE - 1] = (byte)x;
            LOG[x] = (short)i;
            x <<= 1;
            if (x >= FIELD_SIZE)
            {
                x ^= POLYNOMIAL;
            }
        }
        for (int a = 0; a < FIELD_SIZE; a++)
        {
            for (int b = 0; b < FIELD_SIZE; b++)
            {
                MUL_TABLE[a][b] = (byte)slowMultiply(a, b);
            }
        }
    }

    private Gf256()
    {
    }

    private static int slowMultiply(final int a, final int b)
    {
        if (a == 0 || b == 0)
        {
            return 0;
        }
        return EXP[LOG[a] + LOG[b]] & 0xff;
    }

    public static int multiply(final int a, final int b)
    {
        return MUL_TABLE[a & 0xff][b & 0xff] & 0xff;
    }

    public static int divide(final int a, final int b)
    {
        if (b == 0)
        {
            throw new ArithmeticException("division by zero in GF(2^8)");
        }
        if (a == 0)
        {
            return 0;
        }
        int log = LOG[a & 0xff] - LOG[b & 0xff];
        if (log < 0)
        {
            log += FIELD_SIZE - 1;
        }
        return EXP[log] & 0xff;
    }

    /**
     * @return {@code a} to the power {@code n}, with {@code 0^0 = 1} as in a Vandermonde matrix.
     */
    public static int power(final int a, final int n)
    {
        if (n == 0)
        {
            return 1;
        }
        if (a == 0)
        {
            return 0;
        }
        return EXP[(LOG[a & 0xff] * n) % (FIELD_SIZE - 1)] & 0xff;
    }
}
