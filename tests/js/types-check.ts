// Compiled (never run) by CTest's tst_js_types: shared/js/cortado.d.ts must describe the API as
// docs/javascript.md shows it, under TypeScript's strict mode.
import { Cortado, CortadoError, PresenceUser } from '../../shared/js/cortado.js';
const c = new Cortado('/chat', { getToken: async () => 't', reconnect: { minMs: 100 }, queueLimit: 5 });
c.on('open', ({ socketId, reconnected }) => console.log(socketId.length, reconnected));
c.on('gap', ({ room, since }) => console.log(room, since));
c.on('chat:message', (payload, meta) => console.log(payload.text, meta.offset));
c.on('error', (e) => console.log(e.code));
const p = c.presence('lobby', (users: PresenceUser[]) => users.map((u) => u.id));
p.onChange(() => {})();
async function main() {
  await c.connect();
  const ack = await c.join('lobby');
  const n: number = ack.members;
  const r = await c.request<{ delivered: number }>('chat:send', { text: 'x' }, { room: 'lobby', timeout: 100 });
  console.log(n, r.delivered, c.state, c.rooms[0]?.offset);
  c.send('chat:send', {}, { room: 'lobby' });
  try { await c.leave('lobby'); } catch (e) { if (e instanceof CortadoError) console.log(e.code, e.closeCode); }
  c.close();
}
main();
