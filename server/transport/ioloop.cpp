#include "ioloop.h"

#include "transport/websocketconnection.h"
#include "transport/websocketfrontend.h"

#include <QLoggingCategory>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcTransport)

namespace cortado {

IoLoop::IoLoop(int index, WebSocketLimits limits, WebSocketFrontend &frontend)
    : m_index(index), m_limits(limits), m_frontend(frontend)
{
    m_clock.start();
    if (m_limits.pingIntervalMs > 0) {
        connect(&m_heartbeat, &QTimer::timeout, this, &IoLoop::sweep);
        m_heartbeat.start(m_limits.pingIntervalMs);
    }
}

IoLoop::~IoLoop()
{
    closeAll();
}

QByteArray IoLoop::frameText(const QByteArray &utf8)
{
    // Same buffer (we hold a reference, so its address cannot have been reused) and same size.
    const auto *data = const_cast<QByteArray &>(utf8).data_ptr().d_ptr(); // null: raw data, not ours to hold
    if (data && data == m_lastText.data_ptr().d_ptr() && utf8.constData() == m_lastText.constData()
        && utf8.size() == m_lastText.size())
        return m_lastFrame;
    m_lastFrame = websocket::encodeText(utf8);
    m_lastText = data ? utf8 : QByteArray();
    return m_lastFrame;
}

void IoLoop::add(WebSocketConnection *connection)
{
    m_connections.insert(connection);
    m_connectionCount.storeRelaxed(int(m_connections.size()));
}

void IoLoop::remove(WebSocketConnection *connection)
{
    m_connections.remove(connection);
    m_connectionCount.storeRelaxed(int(m_connections.size()));
}

void IoLoop::closeAll()
{
    const QList<WebSocketConnection *> connections = m_connections.values();
    for (WebSocketConnection *connection : connections) {
        connection->abandon();
        delete connection;
    }
    m_lastText.clear();
    m_lastFrame.clear();
}

void IoLoop::sweep()
{
    const qint64 time = now();
    // close() may end a connection synchronously; walk a copy.
    const QList<WebSocketConnection *> connections = m_connections.values();
    for (WebSocketConnection *connection : connections) {
        if (m_connections.contains(connection))
            connection->heartbeat(time);
    }
}

void IoLoop::post(LoopCommand command)
{
    if (isHubThread()) {
        execute(command);
        return;
    }
    // A broadcast hands every recipient the same array: its sockets on this loop share one command.
    LoopCommand *last = m_commands.lastStaged();
    if (command.kind == LoopCommand::Text && last && last->kind == LoopCommand::Text
        && last->bytes.constData() == command.bytes.constData() && last->bytes.size() == command.bytes.size())
        last->alsoTo.push_back(command.link);
    else
        m_commands.stage(std::move(command));
    // One hand-over per pass of the hub's loop, however many commands it staged (a broadcast
    // to 1,000 sockets of this loop is one wake-up).
    if (!std::exchange(m_commandHandOverPosted, true))
        QMetaObject::invokeMethod(&m_frontend, [this] { handOverCommands(); }, Qt::QueuedConnection);
}

void IoLoop::handOverCommands()
{
    m_commandHandOverPosted = false;
    if (m_commands.handOver())
        QMetaObject::invokeMethod(this, &IoLoop::drainCommands, Qt::QueuedConnection);
}

void IoLoop::drainCommands()
{
    std::vector<LoopCommand> commands = m_commands.take();
    for (LoopCommand &command : commands)
        execute(command);
}

void IoLoop::execute(LoopCommand &command)
{
    SocketLink *link = command.link;
    WebSocketConnection *connection = link->m_connection;
    switch (command.kind) {
    case LoopCommand::Adopt: {
        auto stream = std::make_unique<TcpStream>(m_poller, command.code);
        if (!stream->isRegistered()) {
            report(LoopReport(LoopReport::Ended, link, {}, websocket::closecode::Abnormal));
            return;
        }
        stream->write(command.bytes); // the 101: before anything the hub sends
        new WebSocketConnection(*this, std::move(stream), link, command.reason, command.buffered);
        return;
    }
    case LoopCommand::Text:
        if (connection)
            connection->sendText(command.bytes);
        for (SocketLink *other : command.alsoTo) {
            if (other->m_connection)
                other->m_connection->sendText(command.bytes);
        }
        return;
    case LoopCommand::Close:
        if (connection)
            connection->close(command.code, command.reason);
        return;
    case LoopCommand::Pause:
        if (connection)
            connection->pauseReading();
        return;
    case LoopCommand::Resume:
        if (connection)
            connection->resumeReading();
        return;
    case LoopCommand::Drained:
        if (connection)
            connection->dispatchDrained();
        return;
    case LoopCommand::Release:
        if (connection) {
            link->m_connection = nullptr;
            connection->abandon();
            // On the hub's thread this runs inside the connection's own end: delete it later.
            if (isHubThread())
                connection->deleteLater();
            else
                delete connection;
        }
        report(LoopReport(LoopReport::Released, link));
        return;
    }
}

void IoLoop::report(LoopReport report)
{
    if (isHubThread()) {
        m_frontend.onReport(report);
        return;
    }
    m_reports.stage(std::move(report));
    if (!std::exchange(m_reportHandOverPosted, true))
        QMetaObject::invokeMethod(this, &IoLoop::handOverReports, Qt::QueuedConnection);
}

void IoLoop::handOverReports()
{
    m_reportHandOverPosted = false;
    if (!m_reports.handOver())
        return;
    // The frontend outlives every loop (it stops their threads before it goes), so `this` is
    // alive whenever the frontend still runs this.
    QMetaObject::invokeMethod(&m_frontend, [this] {
        std::vector<LoopReport> reports = m_reports.take();
        for (LoopReport &report : reports)
            m_frontend.onReport(report);
    }, Qt::QueuedConnection);
}

IoThread::IoThread(int index, WebSocketLimits limits, WebSocketFrontend &frontend)
    : m_index(index), m_limits(limits), m_frontend(frontend)
{
    setObjectName(QStringLiteral("cortado-io-%1").arg(index));
    QSemaphore ready;
    m_ready = &ready;
    start();
    ready.acquire();
    m_ready = nullptr;
}

IoThread::~IoThread()
{
    quit();
    wait();
}

void IoThread::run()
{
    IoLoop loop(m_index, m_limits, m_frontend);
    m_loop = &loop;
    m_ready->release();
    exec();
    loop.closeAll(); // before the loop's notifiers and timers go, on their own thread
    m_loop = nullptr;
}

} // namespace cortado
