// Who may come in: the per-address and per-client limits that run before any route does. The
// per-event limits of sockets are the event dispatcher's (RateLimits covers both).
#pragma once

#include "core/ratelimit.h"
#include "http.h"

#include <QObject>
#include <QSet>
#include <QStringList>

namespace cortado {

class Hub;
class Target;
struct Message;

class Admission : public QObject
{
    Q_OBJECT

public:
    // `allowedOrigins` empty: any origin.
    Admission(const RateLimits &limits, QStringList allowedOrigins, Hub &hub, QObject *parent = nullptr);

    // For WebSocket upgrades only: the origin allowlist (403) and the handshake rate per address
    // (429 with Retry-After). Runs before the token is checked, so a flood costs no signature
    // checks. (Open connections per address are the gateway's to cap.)
    Middleware handshakes();
    // For REST requests only: the request rate per signed-in user, else per address (429 with
    // Retry-After). Runs after authentication, so it sees the user.
    Middleware requests();
    // For Hub::setHistoryAdmission(): guests may open at most RateLimits::guestHistoryRooms rooms
    // with stored history.
    bool admitsHistory(const Target &target, const Message &message);

private:
    RateLimits m_limits;
    QStringList m_allowedOrigins;
    RateLimiter m_handshakes;
    RateLimiter m_requests;
    Hub &m_hub;
    QSet<QString> m_guestHistoryRooms;
};

} // namespace cortado
