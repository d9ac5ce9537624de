package dev.specula.netem;

/**
 * Open unless the link is black-holed. Proxy threads about to forward bytes, deliver an end of stream or connect to
 * the target wait here while it is shut, so a partition holds everything (like TCP retransmitting into a dead
 * link) and a heal delivers it in order. Waiters leave early only when interrupted (cut or close).
 */
final class Gate {
    private boolean open = true;

    synchronized void shut() {
        open = false;
    }

    synchronized void open() {
        open = true;
        notifyAll();
    }

    synchronized boolean isOpen() {
        return open;
    }

    synchronized void awaitOpen() throws InterruptedException {
        while (!open) {
            wait();
        }
    }
}
