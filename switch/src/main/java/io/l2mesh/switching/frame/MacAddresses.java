package io.l2mesh.switching.frame;

/**
 * Parsing and printing MACs held as 48-bit {@code long}s. Control path only (allocates strings).
 */
public final class MacAddresses
{
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private MacAddresses()
    {
    }

    /**
     * @throws IllegalArgumentException naming the bad text, for anything but six hex pairs separated by ':' or '-'.
     */
    public static long parse(final String text)
    {
        if (text == null || text.length() != 17)
        {
            throw new IllegalArgumentException("invalid MAC '" + text + "' (expected aa:bb:cc:dd:ee:ff)");
        }
        long mac = 0;
        for (int i = 0; i < 6; i++)
        {
            final int hi = Character.digit(text.charAt(i * 3), 16);
            final int lo = Character.digit(text.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(i * 3 + 2) != ':' && text.charAt(i * 3 + 2) != '-'))
            {
                throw new IllegalArgumentException("invalid MAC '" + text + "' (expected aa:bb:cc:dd:ee:ff)");
            }
            mac = (mac << 8) | (hi << 4) | lo;
        }
        return mac;
    }

    public static String format(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            final int b = (int)(mac >>> shift) & 0xff;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            if (shift > 0)
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    public static byte[] toBytes(final long mac)
    {
        final byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(mac >>> (40 - 8 * i));
        }
        return bytes;
    }
}
