import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Binds a UDP socket (udp6 for an IPv6 address), optionally asking for larger kernel buffers; rejects on bind errors. */
export async function bindUdpSocket(address: string, port: number, bufferBytes?: number): Promise<Socket> {
  const socket = createSocket({
    type: isIPv6(address) ? 'udp6' : 'udp4',
    ...(bufferBytes !== undefined ? { recvBufferSize: bufferBytes, sendBufferSize: bufferBytes } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}
