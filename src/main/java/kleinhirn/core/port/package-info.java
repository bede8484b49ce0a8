/**
 * Ports: what the loops in {@code kleinhirn.runtime} ask of the operating system, as interfaces
 * and plain values. {@code kleinhirn.linux} implements them; tests pass fakes; only the
 * composition roots in {@code kleinhirn.app} put the two together. Nothing here does I/O.
 */
package kleinhirn.core.port;
