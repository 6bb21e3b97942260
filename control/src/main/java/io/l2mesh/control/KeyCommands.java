package io.l2mesh.control;

import io.l2mesh.tunnel.noise.KeyPair;
import picocli.CommandLine.Command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * {@code l2mesh keygen} and {@code l2mesh pubkey}: a node's X25519 identity, in base64 as WireGuard writes keys,
 * so they pipe the same way: {@code l2mesh keygen | tee node.key | l2mesh pubkey > node.pub}.
 */
final class KeyCommands
{
    private KeyCommands()
    {
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Print a new private key (base64). Keep it secret: umask 077 before writing it to a file.")
    static final class Keygen implements Callable<Integer>
    {
        @Override
        public Integer call()
        {
            System.out.println(KeyPair.generate().privateBase64());
            return Daemon.EXIT_OK;
        }
    }

    @Command(name = "pubkey", mixinStandardHelpOptions = true,
        description = "Read a private key (base64) on standard input, print its public key.")
    static final class Pubkey implements Callable<Integer>
    {
        @Override
        public Integer call() throws IOException
        {
            final String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))
                .readLine();
            if (line == null)
            {
                System.err.println("l2mesh pubkey: no private key on standard input");
                return Daemon.EXIT_CONFIG;
            }
            try
            {
                System.out.println(KeyPair.fromBase64(line).publicBase64());
                return Daemon.EXIT_OK;
            }
            catch (final IllegalArgumentException ex)
            {
                System.err.println("l2mesh pubkey: " + ex.getMessage());
                return Daemon.EXIT_CONFIG;
            }
        }
    }
}
