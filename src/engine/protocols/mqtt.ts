import mqttPacket, { type IConnectPacket, type Packet } from 'mqtt-packet';
import type { MqttPlan } from '../../scenario/plan.js';
import { renderTemplate } from '../../util/template.js';
import { OTHER_TOPIC, PINGRESP_READ, publishHead, publishPacket, readQuick, wholePackets } from './mqtt-publish.js';
import type { ProtocolClient, ProtocolConnection, ProtocolEvent, ProtocolModule } from './protocol-module.js';

/** MQTT 5 sessions end with the connection unless given an expiry: a persistent one lasts the run (1 h). */
const SESSION_EXPIRY_S = 3600;
const SUBSCRIBE_ID = 1;

/**
 * MQTT over WebSocket, built on the public protocol-module interface (mqtt-packet is the codec): CONNECT with a client
 * id kept across reconnects, SUBSCRIBE to the client's own topic, each traffic message a PUBLISH there whose way back
 * through the broker is its timed reply, PINGREQ every keepalive. With clean: false every reconnect's CONNACK says
 * whether the broker still held the session (continuity).
 */
export function mqttModule(plan: MqttPlan): ProtocolModule {
  // Clients whose session was established (a SUBACK came): only their reconnects expect "session present".
  const established = new Set<number>();
  return {
    subprotocol: 'mqtt',
    binary: true,
    create: (client) => new MqttConnection(plan, client, established),
  };
}

class MqttConnection implements ProtocolConnection {
  /** mqtt-packet's parser while a packet other than a QoS 0 PUBLISH or PINGRESP is read (connected, made again). */
  private parser: ReturnType<typeof mqttPacket.parser> | null = null;
  /** A frame ended inside a packet: from then on every frame goes through the parser, which holds the rest. */
  private parserHolds = false;
  private readonly topic: string;
  private readonly head: ReturnType<typeof publishHead>;
  private readonly options: { protocolVersion: 4 | 5 };
  private nextPacketId = SUBSCRIBE_ID;
  private keepalive: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private events: ProtocolEvent[] = [];

  constructor(
    private readonly plan: MqttPlan,
    private readonly client: ProtocolClient,
    private readonly established: Set<number>,
  ) {
    this.options = { protocolVersion: plan.version };
    const values = { client: client.index, session: client.session };
    this.topic = renderTemplate(plan.topic, values, client.data);
    this.head = publishHead(this.topic, plan.version);
  }

  open(): Uint8Array[] {
    const plan = this.plan;
    const connect: IConnectPacket = {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: plan.version,
      clientId: renderTemplate(
        plan.clientId,
        { client: this.client.index, session: this.client.session },
        this.client.data,
      ),
      clean: plan.clean,
      keepalive: Math.round(plan.keepaliveMs / 1000),
    };
    if (plan.version === 5 && !plan.clean) connect.properties = { sessionExpiryInterval: SESSION_EXPIRY_S };
    return [this.generate(connect)];
  }

  message(id: string): Uint8Array {
    const qos = this.plan.qos;
    if (qos === 0) return publishPacket(this.head, id);
    return this.generate({
      cmd: 'publish',
      topic: this.topic,
      payload: id,
      qos,
      dup: false,
      retain: false,
      ...(qos > 0 ? { messageId: this.packetId() } : {}),
    });
  }

  receive(frame: string | Uint8Array): ProtocolEvent[] | null {
    if (!this.parserHolds && typeof frame !== 'string') {
      const quick = readQuick(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), this.head);
      if (quick === PINGRESP_READ) this.awaitingPong = false;
      if (quick === PINGRESP_READ || quick === OTHER_TOPIC) return null;
      if (quick !== null) return [{ reply: quick }];
    }
    // The parser may keep the frame's tail for the next: it gets a copy.
    const bytes = Buffer.from(frame);
    this.events = [];
    this.parserOf().parse(bytes);
    this.parserHolds ||= !wholePackets(bytes);
    if (!this.parserHolds) this.parser = null;
    return this.events.length > 0 ? this.events : null;
  }

  private parserOf(): ReturnType<typeof mqttPacket.parser> {
    if (this.parser) return this.parser;
    const parser = mqttPacket.parser(this.options);
    parser.on('packet', (packet: Packet) => this.packet(packet));
    parser.on('error', () => this.client.close('mqtt_protocol_error'));
    return (this.parser = parser);
  }

  closed(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
  }

  private packet(packet: Packet): void {
    switch (packet.cmd) {
      case 'connack':
        return this.connack(packet.sessionPresent, packet.returnCode ?? packet.reasonCode ?? 0);
      case 'suback':
        if (packet.messageId !== SUBSCRIBE_ID) return;
        this.established.add(this.client.index);
        this.events.push({ ready: true });
        return;
      case 'publish':
        if (packet.qos > 0 && packet.messageId !== undefined)
          this.client.send(this.generate({ cmd: 'puback', messageId: packet.messageId }));
        if (packet.topic === this.topic) this.events.push({ reply: packet.payload.toString() });
        return;
      case 'pingresp':
        this.awaitingPong = false;
        return;
      case 'disconnect':
        return this.client.close('mqtt_disconnect');
    }
  }

  private connack(sessionPresent: boolean, code: number): void {
    if (code !== 0) return this.client.close(`mqtt_refused_${code}`);
    // A client that dropped before its SUBACK left no session to resume (a broker may keep none without a subscription)
    if (!this.plan.clean && this.established.has(this.client.index)) this.events.push({ resumed: sessionPresent });
    this.client.send(
      this.generate({
        cmd: 'subscribe',
        messageId: SUBSCRIBE_ID,
        subscriptions: [{ topic: this.topic, qos: this.plan.qos }],
      }),
    );
    this.keepalive = setInterval(() => this.ping(), this.plan.keepaliveMs);
  }

  /** A PINGREQ each keepalive; the last one still unanswered means the broker is gone (the connection is dead). */
  private ping(): void {
    if (this.awaitingPong) return this.client.close('keepalive_timeout');
    this.awaitingPong = true;
    this.client.send(this.generate({ cmd: 'pingreq' }));
  }

  private packetId(): number {
    this.nextPacketId = this.nextPacketId >= 0xffff ? SUBSCRIBE_ID + 1 : this.nextPacketId + 1;
    return this.nextPacketId;
  }

  private generate(packet: Packet): Buffer {
    return mqttPacket.generate(packet, this.options);
  }
}
