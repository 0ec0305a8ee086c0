// The `ws` peer: /chat's semantics on the npm `ws` server, in Cortado's own JSON envelope so the load
// generator's "cortado" flavour drives both. Written the way a ws user would: JSON.stringify once per
// broadcast, ws.send() to each member.
//
//   node ws-server.js PORT [HOST]      (HOST: the address to listen on, 127.0.0.1; 0.0.0.0 for --scenarios many)
//   → {"event":"room:join","room":"r","id":1}          ← {"event":"ack","id":1,"ok":true,"payload":{"room":"r","members":N}}
//   → {"event":"chat:send","room":"r","payload":P,"id":2}
//   ← {"event":"chat:message","room":"r","payload":P,"from":"<socket id>"} to every member, sender included,
//   ← then {"event":"ack","id":2,"ok":true,"payload":{"delivered":N}}
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 9100);
const host = process.argv[3] || '127.0.0.1';
const rooms = new Map(); // room name -> Set of sockets
let nextId = 1;

const wss = new WebSocketServer({ host, port, path: '/chat', perMessageDeflate: false,
                                  backlog: 1024 });

function ack(ws, id, payload) {
    if (id !== undefined)
        ws.send(JSON.stringify({ event: 'ack', id, ok: true, payload }));
}

function fail(ws, id, code, message) {
    const error = { code, message };
    ws.send(JSON.stringify(id === undefined ? { event: 'system:error', payload: error }
                                            : { event: 'ack', id, ok: false, error }));
}

wss.on('connection', (ws) => {
    ws.socketId = String(nextId++);
    ws.rooms = new Set();
    ws.send(JSON.stringify({ event: 'system:welcome', payload: { socketId: ws.socketId, route: '/chat' } }));
    ws.on('message', (data, isBinary) => {
        let message;
        try {
            message = JSON.parse(isBinary ? data : data.toString());
        } catch (e) {
            return fail(ws, undefined, 'bad_json', 'not JSON');
        }
        const { event, room, payload, id } = message;
        if (event === 'room:join') {
            let members = rooms.get(room);
            if (!members)
                rooms.set(room, members = new Set());
            members.add(ws);
            ws.rooms.add(room);
            return ack(ws, id, { room, members: members.size });
        }
        if (event === 'room:leave') {
            const members = rooms.get(room);
            const left = !!members && members.delete(ws);
            ws.rooms.delete(room);
            if (members && members.size === 0)
                rooms.delete(room);
            return ack(ws, id, { room, left });
        }
        if (event === 'chat:send') {
            const members = rooms.get(room);
            if (!members || !members.has(ws))
                return fail(ws, id, 'not_in_room', 'join "' + room + '" first');
            const frame = JSON.stringify({ event: 'chat:message', room, payload, from: ws.socketId });
            for (const member of members)
                member.send(frame);
            return ack(ws, id, { delivered: members.size });
        }
        fail(ws, id, 'unknown_event', 'no handler for ' + event);
    });
    ws.on('close', () => {
        for (const room of ws.rooms) {
            const members = rooms.get(room);
            members.delete(ws);
            if (members.size === 0)
                rooms.delete(room);
        }
    });
});

wss.on('listening', () => console.log('listening on http://' + host + ':' + wss.address().port));
