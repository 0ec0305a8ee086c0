#include "alertsmodel.h"

#include <QDateTime>
#include <QLocale>

using namespace Qt::StringLiterals;

QVariant AlertsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Alert &alert = m_alerts.at(index.row());
    switch (role) {
    case KeyRole: return alert.key;
    case SeverityRole: return alert.severity;
    case Qt::DisplayRole:
    case TitleRole: return alert.title;
    case DetailRole: return alert.detail;
    case SinceRole: return alert.since;
    }
    return {};
}

QHash<int, QByteArray> AlertsModel::roleNames() const
{
    return {{KeyRole, "key"}, {SeverityRole, "severity"}, {TitleRole, "title"}, {DetailRole, "detail"}, {SinceRole, "since"}};
}

int AlertsModel::errors() const
{
    return int(std::count_if(m_alerts.begin(), m_alerts.end(), [](const Alert &a) { return a.severity == "error"_L1; }));
}

void AlertsModel::evaluate(const QJsonObject &counters, bool clusterMode, bool redisUp, const QString &redisError)
{
    const qint64 now = counters.contains("t"_L1) ? qint64(counters.value("t"_L1).toDouble())
                                                  : QDateTime::currentMSecsSinceEpoch();
    m_lastMinute.push_back({counters.value("slowConsumersPerSecond"_L1).toInteger(),
                            counters.value("errorsByCode"_L1).toObject().value("rate_limited"_L1).toInteger(),
                            counters.value("refusedHandshakesPerSecond"_L1).toInteger()});
    while (m_lastMinute.size() > std::size_t(WindowSeconds))
        m_lastMinute.pop_front();
    Second minute;
    for (const Second &second : m_lastMinute) {
        minute.slowConsumers += second.slowConsumers;
        minute.rateLimited += second.rateLimited;
        minute.refusedHandshakes += second.refusedHandshakes;
    }
    const QLocale locale;
    const auto count = [&locale](qint64 n) { return locale.toString(n); };

    set(u"redis"_s, clusterMode && !redisUp, u"error"_s, u"Redis unreachable"_s,
        u"This node serves its local sockets only; messages between nodes are not delivered"_s
            + (redisError.isEmpty() ? QString() : u" (%1)"_s.arg(redisError)),
        now);
    const QJsonObject storage = counters.value("storage"_L1).toObject();
    const bool hasStorage = !storage.isEmpty();
    set(u"storage-down"_s, hasStorage && !storage.value("connected"_L1).toBool(), u"error"_s,
        u"Storage unreachable"_s,
        u"%1 writes wait in memory; the writer retries"_s.arg(count(storage.value("backlog"_L1).toInteger()))
            + (storage.value("lastError"_L1).toString().isEmpty() ? QString() : u": "_s + storage.value("lastError"_L1).toString()),
        now);
    const qint64 lag = storage.value("commitLagMs"_L1).toInteger();
    set(u"storage-lag"_s, hasStorage && storage.value("connected"_L1).toBool() && lag > StorageLagMs, u"warning"_s,
        u"Storage lagging"_s, u"The oldest write has waited %1 s"_s.arg(locale.toString(double(lag) / 1000, 'f', 1)), now);
    set(u"slow-consumers"_s, minute.slowConsumers > 0, u"warning"_s, u"Slow consumers disconnected"_s,
        u"%1 in the last minute (closed with 4101: they read too slowly)"_s.arg(count(minute.slowConsumers)), now);
    set(u"rate-limited"_s, minute.rateLimited > 0, u"warning"_s, u"Clients rate-limited"_s,
        u"%1 events refused with rate_limited in the last minute"_s.arg(count(minute.rateLimited)), now);
    set(u"refused-handshakes"_s, minute.refusedHandshakes >= RefusedHandshakesPerMinute, u"warning"_s,
        u"Refused handshakes spiking"_s,
        u"%1 WebSocket handshakes refused in the last minute (bad tokens, limits)"_s.arg(count(minute.refusedHandshakes)),
        now);
}

void AlertsModel::set(const QString &key, bool active, const QString &severity, const QString &title,
                      const QString &detail, qint64 now)
{
    const auto found = std::find_if(m_alerts.begin(), m_alerts.end(), [&key](const Alert &a) { return a.key == key; });
    if (!active) {
        if (found != m_alerts.end()) {
            const int row = int(found - m_alerts.begin());
            beginRemoveRows({}, row, row);
            m_alerts.removeAt(row);
            endRemoveRows();
            Q_EMIT countChanged();
        }
        return;
    }
    if (found != m_alerts.end()) { // still on: only its figures change
        if (found->detail != detail) {
            found->detail = detail;
            const QModelIndex index = createIndex(int(found - m_alerts.begin()), 0);
            Q_EMIT dataChanged(index, index, {DetailRole});
        }
        return;
    }
    // Errors before warnings; within each, in the order raised.
    int row = 0;
    while (row < m_alerts.size() && (severity == "warning"_L1 || m_alerts.at(row).severity == "error"_L1))
        ++row;
    beginInsertRows({}, row, row);
    m_alerts.insert(row, Alert{key, severity, title, detail, now});
    endInsertRows();
    Q_EMIT countChanged();
}

void AlertsModel::clear()
{
    beginResetModel();
    m_alerts.clear();
    m_lastMinute.clear();
    endResetModel();
    Q_EMIT countChanged();
}
