// The one header a route file includes.
//
//   // routes/api/rooms.cpp  → REST /api/rooms
//   #include <cortado/route.h>
//   CORTADO_REST_ROUTE(route)
//   {
//       route.get([](cortado::Context &ctx) { return cortado::HttpResponse::json(...); });
//   }
//
//   // routes/chat.ws.cpp   → WebSocket /chat
//   CORTADO_WS_ROUTE(route)
//   {
//       route.on(u"chat:send"_s, [](cortado::EventContext &ctx) { ...; return cortado::Ack::ok(); });
//   }
//
// cortado_add_routes() (cmake/CortadoRoutes.cmake) compiles each file with a unique
// CORTADO_ROUTE_FUNCTION and generates the index that registers it under the path its file name
// gives. No static registration: the linker would drop it from a static library.
#pragma once

#include "core/hub.h"
#include "routing/roomauthorizer.h"
#include "routing/routes.h"

#include <QJsonArray>
#include <QJsonObject>

#ifndef CORTADO_ROUTE_FUNCTION
#  define CORTADO_ROUTE_FUNCTION cortado_route_file_not_compiled_by_cortado_add_routes
#endif

#define CORTADO_REST_ROUTE(name) void CORTADO_ROUTE_FUNCTION(::cortado::RestRoute &name)
#define CORTADO_WS_ROUTE(name) void CORTADO_ROUTE_FUNCTION(::cortado::WsRoute &name)
