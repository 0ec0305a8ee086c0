// Rooms as core protocol behaviour: the events every WebSocket route answers, whatever its routes
// define. They are ordinary event bindings (installed like auth:refresh), so the event dispatcher
// stays generic: parse, admit, middleware, binding, ack.
//
//   room:join  {"since"?: N}  guard (RoomAuthorizer), room limit, onJoin hooks; with history, the
//                             ack carries "offset" and "since" replays what came after N
//   room:leave               the ack says whether the socket was in the room
//   presence:update {"status"} on routes that track presence (a route may bind it otherwise)
#pragma once

namespace cortado {

class Router;
class Hub;

namespace rooms {

// Registers the events on `router` (room:join and room:leave as built-ins no route may replace).
// The Server calls it; presence comes from the router's services (cortado::Presence).
void install(Router &router, Hub &hub);

} // namespace rooms
} // namespace cortado
