package io.l2mesh.control.mesh;

/**
 * Why a registry entry, certificate or deny list was not accepted: a {@link #reason()} counted in
 * {@code registry show} and a detail for the log.
 */
public final class Refused extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /** Not valid JSON, a field missing or of the wrong kind, too long, not BODY.SIGNATURE. */
    public static final String MALFORMED = "malformed";
    /** The signature does not verify against the mesh's authority. */
    public static final String BAD_SIGNATURE = "bad-signature";
    /** The certificate's not-after has passed. */
    public static final String EXPIRED = "expired";
    /** The certificate's not-before is still to come. */
    public static final String NOT_YET_VALID = "not-yet-valid";
    /** The entry's tunnel key is not the one its certificate binds. */
    public static final String KEY_MISMATCH = "key-mismatch";
    /** The entry's name (or its key's) is not the one its certificate binds. */
    public static final String NAME_MISMATCH = "name-mismatch";
    /** The authority's deny list names the key or the name. */
    public static final String REVOKED = "revoked";
    /** Another accepted entry has this entry's tunnel key. */
    public static final String DUPLICATE_KEY = "duplicate-key";
    /** The entry speaks a protocol version this node does not. */
    public static final String VERSION = "version";

    private final String reason;

    public Refused(final String reason, final String detail)
    {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public String reason()
    {
        return reason;
    }
}
