#!/usr/bin/env python3
# A TCP proxy that counts the bytes it forwards: what a client and a server
# put on the wire between them (TCP payload, both directions; no TCP/IP
# headers, no TLS here).
#
# usage: counting-proxy.py --target HOST:PORT --stats FILE [--listen HOST:PORT]
#
# Listens on --listen (default 127.0.0.1:0, a free port), prints
# "listening on HOST:PORT" as its first line on stdout, and forwards every
# connection to --target. After every connection opens and closes it rewrites
# FILE (atomically, by rename) with one line of tab-separated totals since it
# started:
#
#   connections  open  up  down
#
# where up is client -> server bytes and down is server -> client bytes. A
# caller reads FILE before and after a client runs and subtracts; once the
# client has exited, it waits for "open" to come back to 0 (the proxy may
# still be forwarding the last bytes of a connection the client closed).
# Stops on SIGTERM or SIGINT.
import argparse
import os
import signal
import socket
import sys
import threading

lock = threading.Lock()
totals = {'connections': 0, 'open': 0, 'up': 0, 'down': 0}
stats_path = None


def write_stats():
    # called with the lock held
    tmp = f'{stats_path}.tmp'
    with open(tmp, 'w') as f:
        f.write(f"{totals['connections']}\t{totals['open']}\t{totals['up']}\t{totals['down']}\n")
    os.replace(tmp, stats_path)


def pump(src, dst, key, done):
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    count = 0
    try:
        while True:
            n = src.recv_into(buf)
            if n == 0:
                break
            dst.sendall(view[:n])
            count += n
    except OSError:
        pass
    finally:
        # pass the end of this direction on, and let the other one finish
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with lock:
            totals[key] += count
        done.release()


def serve(client, target):
    try:
        server = socket.create_connection(target)
    except OSError as e:
        print(f'counting-proxy: cannot connect to {target[0]}:{target[1]}: {e}', file=sys.stderr)
        client.close()
        with lock:
            totals['open'] -= 1
            write_stats()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    done = threading.Semaphore(0)
    threading.Thread(target=pump, args=(client, server, 'up', done), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, 'down', done), daemon=True).start()
    done.acquire()
    done.acquire()
    client.close()
    server.close()
    with lock:
        totals['open'] -= 1
        write_stats()


def main():
    global stats_path
    parser = argparse.ArgumentParser(description='TCP proxy counting the bytes it forwards')
    parser.add_argument('--listen', default='127.0.0.1:0')
    parser.add_argument('--target', required=True)
    parser.add_argument('--stats', required=True)
    args = parser.parse_args()
    stats_path = args.stats
    lhost, lport = args.listen.rsplit(':', 1)
    thost, tport = args.target.rsplit(':', 1)
    target = (thost, int(tport))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((lhost, int(lport)))
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    with lock:
        write_stats()
    host, port = listener.getsockname()
    print(f'listening on {host}:{port}', flush=True)
    while True:
        client, _ = listener.accept()
        with lock:
            totals['connections'] += 1
            totals['open'] += 1
            write_stats()
        threading.Thread(target=serve, args=(client, target), daemon=True).start()


if __name__ == '__main__':
    main()
