package io.l2mesh.control;

import io.l2mesh.control.mesh.AuthorityKeys;
import io.l2mesh.control.mesh.DenyList;
import io.l2mesh.control.mesh.NodeCertificate;
import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.tunnel.noise.KeyPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh authority keygen|sign|deny}: the mesh authority (docs/registry.md). Its private key stays on the
 * operator's machine; nodes get {@code authority.pub} and their own certificate.
 */
@Command(name = "authority", mixinStandardHelpOptions = true,
    description = "The mesh authority: its key pair, node certificates and the deny list.",
    subcommands = {AuthorityCommands.Keygen.class, AuthorityCommands.Sign.class, AuthorityCommands.Deny.class})
final class AuthorityCommands
{
    @Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Make an Ed25519 key pair: PREFIX.key (mode 0600, keep it off the nodes) and PREFIX.pub.")
    static final class Keygen implements Callable<Integer>
    {
        @Option(names = "--out", paramLabel = "PREFIX", defaultValue = "authority",
            description = "file name prefix (default: authority)")
        Path prefix;

        @Override
        public Integer call()
        {
            final java.security.KeyPair pair = AuthorityKeys.generate();
            try
            {
                AuthorityKeys.write(pair, prefix);
            }
            catch (final IOException ex)
            {
                System.err.println("l2mesh authority keygen: " + ex);
                return Daemon.EXIT_FAILURE;
            }
            System.out.println(AuthorityKeys.encode(pair.getPublic()));
            return Daemon.EXIT_OK;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Print a certificate binding a node's name to its tunnel public key.")
    static final class Sign implements Callable<Integer>
    {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "the node's name")
        String name;

        @Option(names = "--public-key", required = true, paramLabel = "BASE64", description = "its tunnel key")
        String publicKey;

        @Option(names = "--expires", defaultValue = "365d", paramLabel = "DURATION",
            description = "valid for this long: 30d, 12h, 90m, 600s (default: 365d)")
        String expires;

        @Option(names = "--allowed-macs", split = ",", paramLabel = "MAC",
            description = "the only source MACs it may send from (its allowed-macs on every peer)")
        List<String> allowedMacs;

        @Option(names = "--relay", description = "it may relay for the mesh (its entry's \"relay\": true is " +
            "believed only with this; docs/nat.md)")
        boolean relay;

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "the authority's private key")
        Path key;

        @Override
        public Integer call()
        {
            try
            {
                final long now = System.currentTimeMillis() / 1000;
                final long[] macs = allowedMacs == null ? null :
                    allowedMacs.stream().mapToLong(MacAddresses::parse).toArray();
                final NodeCertificate cert = new NodeCertificate(name, KeyPair.decodeKey(publicKey, "--public-key"),
                    now - 60, now + seconds(expires), macs, relay);
                System.out.println(cert.sign(AuthorityKeys.readPrivate(key)));
                return Daemon.EXIT_OK;
            }
            catch (final IllegalArgumentException | IOException ex)
            {
                System.err.println("l2mesh authority sign: " + ex.getMessage());
                return Daemon.EXIT_CONFIG;
            }
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true,
        description = "Print a signed deny list; put it at /l2mesh/<mesh>/deny (etcdctl put ... \"$(cat FILE)\").")
    static final class Deny implements Callable<Integer>
    {
        @Option(names = "--serial", required = true, paramLabel = "N",
            description = "higher than the list it replaces (nodes ignore a lower one)")
        long serial;

        @Option(names = "--public-key", paramLabel = "BASE64", description = "a revoked tunnel key (repeatable)")
        List<String> keys = List.of();

        @Option(names = "--name", paramLabel = "NAME", description = "a revoked node name (repeatable)")
        List<String> names = List.of();

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "the authority's private key")
        Path key;

        @Override
        public Integer call()
        {
            try
            {
                final Set<String> revoked = new java.util.TreeSet<>();
                for (final String k : keys)
                {
                    revoked.add(KeyPair.encode(KeyPair.decodeKey(k, "--public-key")));
                }
                System.out.println(new DenyList(serial, revoked, Set.copyOf(names)).sign(
                    AuthorityKeys.readPrivate(key)));
                return Daemon.EXIT_OK;
            }
            catch (final IllegalArgumentException | IOException ex)
            {
                System.err.println("l2mesh authority deny: " + ex.getMessage());
                return Daemon.EXIT_CONFIG;
            }
        }
    }

    /**
     * @return seconds in {@code 30d}, {@code 12h}, {@code 90m} or {@code 600s}.
     */
    static long seconds(final String duration)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9][0-9]{0,6})([dhms])")
            .matcher(duration.strip());
        if (!m.matches())
        {
            throw new IllegalArgumentException("--expires: '" + duration + "' is not like 30d, 12h, 90m or 600s");
        }
        final long n = Long.parseLong(m.group(1));
        return switch (m.group(2))
        {
            case "d" -> n * 86_400;
            case "h" -> n * 3_600;
            case "m" -> n * 60;
            default -> n;
        };
    }
}
