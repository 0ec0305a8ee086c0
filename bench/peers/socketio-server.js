// The Socket.IO peer: /chat's semantics on Socket.IO 4.8 (WebSocket transport only, no polling).
//
//   node socketio-server.js PORT [HOST]  (HOST: the address to listen on, 127.0.0.1; 0.0.0.0 for --scenarios many)
//   → 420["room:join","r"]                    ← 430[{"room":"r","members":N}]
//   → 421["chat:send","r",P]
//   ← 42["chat:message",{"room":"r","payload":P,"from":"<socket id>"}] to every member, sender included,
//   ← then 431[{"delivered":N}]
'use strict';
const { createServer } = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 9200);
const host = process.argv[3] || '127.0.0.1';
const httpServer = createServer();
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

io.on('connection', (socket) => {
    socket.on('room:join', (room, ack) => {
        socket.join(room);
        if (typeof ack === 'function')
            ack({ room, members: io.sockets.adapter.rooms.get(room).size });
    });
    socket.on('room:leave', (room, ack) => {
        const left = socket.rooms.has(room);
        socket.leave(room);
        if (typeof ack === 'function')
            ack({ room, left });
    });
    socket.on('chat:send', (room, payload, ack) => {
        if (!socket.rooms.has(room) || room === socket.id) {
            if (typeof ack === 'function')
                ack({ error: { code: 'not_in_room', message: 'join "' + room + '" first' } });
            return;
        }
        io.to(room).emit('chat:message', { room, payload, from: socket.id });
        if (typeof ack === 'function')
            ack({ delivered: io.sockets.adapter.rooms.get(room).size });
    });
});

httpServer.listen({ host, port, backlog: 1024 },
                  () => console.log('listening on http://' + host + ':' + httpServer.address().port));
