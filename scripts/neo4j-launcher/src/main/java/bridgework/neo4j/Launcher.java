package bridgework.neo4j;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Runs a throw-away Neo4j (community, from neo4j-harness) for the test suite.
 *
 * <p>Usage: {@code Launcher WORK_DIR URI_FILE LOGS_DIR [PORT] [PAGECACHE]}
 *
 * <ul>
 *   <li>The store lives in a random sub-directory of WORK_DIR, deleted again on shutdown.
 *   <li>Bolt listens on 127.0.0.1:PORT (default 0 = a free port picked by the OS), without TLS;
 *       HTTP/HTTPS are disabled; authentication is disabled.
 *   <li>Once the default database is up and Bolt accepts a TCP connection, the URI
 *       {@code bolt://127.0.0.1:PORT} is written (atomically) to URI_FILE. Callers poll for it.
 *   <li>SIGTERM (or any normal JVM exit) runs a shutdown hook that shuts the DBMS down cleanly.
 * </ul>
 *
 * <p>Progress goes to stdout/stderr (the wrapper script sends both to a log file); Neo4j's own
 * debug.log goes to LOGS_DIR. Driven by {@code scripts/neo4j-test-server}.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 5) {
            System.err.println("usage: Launcher WORK_DIR URI_FILE LOGS_DIR [PORT] [PAGECACHE]");
            System.exit(2);
        }
        Path workDir = Path.of(args[0]).toAbsolutePath();
        Path uriFile = Path.of(args[1]).toAbsolutePath();
        Path logsDir = Path.of(args[2]).toAbsolutePath();
        int port = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        long pageCache = ByteUnit.parse(args.length > 4 ? args[4] : "64m");

        log("starting Neo4j (pid " + ProcessHandle.current().pid() + ", work dir " + workDir + ")");
        Neo4j neo4j;
        try {
            neo4j = Neo4jBuilders.newInProcessBuilder(workDir)
                    .withConfig(BoltConnector.enabled, true)
                    .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                    .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .withConfig(HttpConnector.enabled, false)
                    .withConfig(HttpConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                    .withConfig(HttpsConnector.enabled, false)
                    .withConfig(HttpsConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                    .withConfig(GraphDatabaseSettings.auth_enabled, false)
                    .withConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                    .withConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .withConfig(GraphDatabaseSettings.udc_enabled, false)
                    .withConfig(GraphDatabaseSettings.logs_directory, logsDir)
                    // Keep-alive on every request, every second, two probes: the server tells the driver
                    // (hint connection.recv_timeout_seconds = 1 s x 2) to give up on a read after 2 s, so a
                    // frozen server is noticed in 2 s while long queries stay alive (the README's production settings).
                    .withConfig(BoltConnector.connection_keep_alive_type, BoltConnector.KeepAliveRequestType.ALL)
                    .withConfig(BoltConnector.connection_keep_alive, Duration.ofSeconds(1))
                    .withConfig(BoltConnector.connection_keep_alive_probes, 2)
                    // Internal knobs: Netty's default 5 s quiet period (per event loop group)
                    // would otherwise make every shutdown take ~10 s.
                    .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                    .build();
        } catch (Throwable t) {
            log("Neo4j failed to start");
            t.printStackTrace();
            System.exit(1);
            return;
        }

        final Neo4j server = neo4j;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            try {
                server.close(); // DBMS shutdown + delete the store directory
                log("stopped");
            } catch (Throwable t) {
                log("error during shutdown: " + t);
            }
        }, "neo4j-shutdown"));

        if (!server.defaultDatabaseService().isAvailable(120_000)) {
            log("default database did not become available");
            System.exit(1);
        }
        int boltPort = server.boltURI().getPort();
        String uri = "bolt://127.0.0.1:" + boltPort;
        try (Socket probe = new Socket()) { // Bolt really accepts connections
            probe.connect(new InetSocketAddress("127.0.0.1", boltPort), 10_000);
        }

        Path tmp = uriFile.resolveSibling(uriFile.getFileName() + ".tmp");
        Files.writeString(tmp, uri + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, uriFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log("ready at " + uri + " (Neo4j " + neo4jVersion() + ")");

        new CountDownLatch(1).await(); // run until the JVM is told to exit
    }

    private static String neo4jVersion() {
        String v = Neo4j.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }

    private static void log(String msg) {
        System.out.println(Instant.now() + " [launcher] " + msg);
        System.out.flush();
    }
}
