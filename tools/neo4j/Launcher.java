/*
 * Local Neo4j Community server for ReMo development and CI.
 *
 * Runs an embedded Neo4j DBMS (org.neo4j.dbms.api.DatabaseManagementServiceBuilder)
 * with only the Bolt connector enabled, bound to 127.0.0.1.
 *
 * Usage (Java 17 single-file source launch, from tools/neo4j/):
 *   java <jvm flags> -cp 'lib/*' Launcher.java PORT DATA_DIR
 *
 * Normally started through tools/neo4j/neo4j.sh, which adds the JVM flags.
 *
 * Environment:
 *   NEO4J_AUTH_PASSWORD   if set (min. 8 characters), authentication is enabled and
 *                         user "neo4j" gets this password; otherwise auth is off.
 *   NEO4J_PAGECACHE_MB    page cache size in MiB (default 128).
 *   NEO4J_TX_MEMORY_MB    memory all transactions may use together, MiB (default 4096).
 *   NEO4J_TX_STATE        ON_HEAP (default) or OFF_HEAP transaction state.
 *   NEO4J_CONF_FILE       a neo4j.conf-style file with further settings, applied last.
 *
 * Prints a line starting with "REMO-NEO4J READY" once the default database is
 * available, and shuts the DBMS down cleanly on SIGTERM / SIGINT.
 */

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.Version;

public class Launcher {

    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -cp 'lib/*' Launcher.java PORT DATA_DIR");
            System.exit(2);
        }
        final int port;
        try {
            port = Integer.parseInt(args[0]);
        } catch (NumberFormatException e) {
            System.err.println("REMO-NEO4J ERROR invalid port: " + args[0]);
            System.exit(2);
            return;
        }
        Path home = Path.of(args[1]).toAbsolutePath().normalize();
        Files.createDirectories(home);

        String password = System.getenv("NEO4J_AUTH_PASSWORD");
        boolean auth = password != null && !password.isEmpty();
        if (auth && password.length() < 8) {
            System.err.println("REMO-NEO4J ERROR NEO4J_AUTH_PASSWORD must have at least 8 characters");
            System.exit(2);
        }
        long pageCacheMb = 128;
        String pc = System.getenv("NEO4J_PAGECACHE_MB");
        if (pc != null && !pc.isBlank()) {
            pageCacheMb = Long.parseLong(pc.trim());
        }

        // memory all transactions together may use (one large import needs most of it)
        long txMemoryMb = 4096;
        String tm = System.getenv("NEO4J_TX_MEMORY_MB");
        if (tm != null && !tm.isBlank()) {
            txMemoryMb = Long.parseLong(tm.trim());
        }

        // where transaction state lives: ON_HEAP (Neo4j's default) or OFF_HEAP
        String txState = System.getenv("NEO4J_TX_STATE");
        GraphDatabaseSettings.TransactionStateMemoryAllocation txStateAllocation =
                GraphDatabaseSettings.TransactionStateMemoryAllocation.ON_HEAP;
        if (txState != null && !txState.isBlank()) {
            txStateAllocation = GraphDatabaseSettings.TransactionStateMemoryAllocation.valueOf(
                    txState.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
        // optional neo4j.conf-style file with further settings (applied last)
        String conf = System.getenv("NEO4J_CONF_FILE");

        long t0 = System.nanoTime();
        System.out.println("REMO-NEO4J starting Neo4j " + Version.getNeo4jVersion()
                + " (embedded, Community) on " + HOST + ":" + port + ", home " + home);
        System.out.flush();

        SocketAddress bolt = new SocketAddress(HOST, port);
        DatabaseManagementService managementService;
        try {
            DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                    .setConfig(Map.of(
                            BoltConnector.enabled, true,
                            BoltConnector.listen_address, bolt,
                            BoltConnector.advertised_address, bolt,
                            BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED,
                            HttpConnector.enabled, false,
                            HttpsConnector.enabled, false,
                            GraphDatabaseSettings.auth_enabled, auth,
                            GraphDatabaseSettings.default_listen_address, new SocketAddress(HOST),
                            GraphDatabaseSettings.default_advertised_address, new SocketAddress(HOST)))
                    .setConfig(Map.of(
                            GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb),
                            GraphDatabaseSettings.preallocate_logical_logs, false,
                            GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(32),
                            GraphDatabaseSettings.keep_logical_logs, "2 files",
                            GraphDatabaseSettings.memory_transaction_global_max_size, ByteUnit.mebiBytes(txMemoryMb)))
                    // Netty's graceful-shutdown quiet period is 5 s per Bolt event loop group by
                    // default (10 s in total); the stores are already checkpointed by then, so a
                    // short quiet period keeps `neo4j.sh stop` quick.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .setConfig(GraphDatabaseSettings.tx_state_memory_allocation, txStateAllocation)
                    .setConfig(GraphDatabaseSettings.tx_state_max_off_heap_memory, ByteUnit.mebiBytes(txMemoryMb));
            if (conf != null && !conf.isBlank()) {
                builder.loadPropertiesFromFile(Path.of(conf.trim()));
            }
            managementService = builder.build();
        } catch (Throwable t) {
            System.err.println("REMO-NEO4J ERROR failed to start: " + t);
            t.printStackTrace();
            System.exit(1);
            return;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("REMO-NEO4J shutting down");
            System.out.flush();
            try {
                managementService.shutdown();
                System.out.println("REMO-NEO4J stopped");
            } catch (Throwable t) {
                System.err.println("REMO-NEO4J ERROR during shutdown: " + t);
            } finally {
                System.out.flush();
                stopped.countDown();
            }
        }, "remo-neo4j-shutdown"));

        GraphDatabaseService db = managementService.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofMinutes(2).toMillis())) {
            System.err.println("REMO-NEO4J ERROR database '" + db.databaseName() + "' not available after 2 minutes");
            System.exit(1);
        }

        if (auth) {
            try {
                managementService.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            } catch (RuntimeException e) {
                // Neo4j refuses to "change" a password to the one already set: nothing to do then.
                String msg = String.valueOf(e.getMessage());
                if (!msg.contains("same")) {
                    System.err.println("REMO-NEO4J ERROR could not set the password of user neo4j: " + msg);
                    System.exit(1);
                }
            }
        }

        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("REMO-NEO4J READY bolt://" + HOST + ":" + port
                + " database=" + db.databaseName()
                + " auth=" + (auth ? "on (user neo4j)" : "off")
                + " started_in_ms=" + ms);
        System.out.flush();

        stopped.await();
    }
}
