#include "trafficmodel.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

TrafficModel::TrafficModel(int capacity, QObject *parent) : QAbstractListModel(parent), m_capacity(capacity)
{
    m_frame.setInterval(16); // about one display frame
    m_frame.setSingleShot(true);
    connect(&m_frame, &QTimer::timeout, this, &TrafficModel::flush);
}

int TrafficModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant TrafficModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &entry = m_rows.at(std::size_t(index.row()));
    switch (role) {
    case Qt::DisplayRole:
    case EventRole: return entry.value("event"_L1).toString();
    case TimeRole: return QDateTime::fromMSecsSinceEpoch(entry.value("t"_L1).toInteger()).toString(u"HH:mm:ss.zzz"_s);
    case DirectionRole: return entry.value("dir"_L1).toString();
    case RouteRole: return entry.value("route"_L1).toString();
    case RoomRole: return entry.value("room"_L1).toString();
    case SocketRole: return entry.value("socket"_L1).toString();
    case UserRole: return entry.value("user"_L1).toString();
    case SizeRole: return entry.value("size"_L1).toInt();
    case PayloadJsonRole:
    case PayloadRole: {
        const QJsonValue payload = entry.value("payload"_L1);
        if (payload.isUndefined())
            return QString();
        return QString::fromUtf8(QJsonDocument(QJsonArray{payload}).toJson(QJsonDocument::Compact)).sliced(1).chopped(1);
    }
    case PrettyRole: {
        const QJsonValue payload = entry.value("payload"_L1);
        if (payload.isObject())
            return QString::fromUtf8(QJsonDocument(payload.toObject()).toJson(QJsonDocument::Indented));
        if (payload.isArray())
            return QString::fromUtf8(QJsonDocument(payload.toArray()).toJson(QJsonDocument::Indented));
        return data(index, PayloadRole);
    }
    case JsonRole: return entry;
    }
    return {};
}

QHash<int, QByteArray> TrafficModel::roleNames() const
{
    return {{TimeRole, "time"}, {DirectionRole, "direction"}, {RouteRole, "route"}, {EventRole, "event"},
            {RoomRole, "room"}, {SocketRole, "socket"}, {SizeRole, "size"}, {PayloadRole, "payload"},
            {PrettyRole, "pretty"}, {JsonRole, "json"}, {UserRole, "user"}};
}

void TrafficModel::append(const QJsonObject &entry)
{
    if (m_paused) {
        ++m_missed;
        return;
    }
    m_pending.append(entry);
    if (m_pending.size() > m_capacity) // a burst larger than the ring: keep its newest part
        m_pending.remove(0, m_pending.size() - m_capacity);
    if (!m_frame.isActive())
        m_frame.start();
}

void TrafficModel::flush()
{
    if (m_pending.isEmpty())
        return;
    const qsizetype overflow = qsizetype(m_rows.size()) + m_pending.size() - m_capacity;
    if (overflow > 0) {
        const int remove = int(std::min<qsizetype>(overflow, qsizetype(m_rows.size())));
        beginRemoveRows({}, 0, remove - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + remove);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(m_pending.size()) - 1);
    m_rows.insert(m_rows.end(), m_pending.cbegin(), m_pending.cend());
    m_pending.clear();
    endInsertRows();
    Q_EMIT countChanged();
}

void TrafficModel::clear()
{
    m_pending.clear(); // what arrived before the clear does not show after it
    if (m_rows.empty())
        return;
    beginRemoveRows({}, 0, int(m_rows.size()) - 1);
    m_rows.clear();
    endRemoveRows();
    Q_EMIT countChanged();
}

void TrafficModel::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (!paused)
        m_missed = 0;
    Q_EMIT pausedChanged();
    Q_EMIT countChanged();
}

void TrafficFilter::set(QString &field, const QString &value)
{
    if (field == value)
        return;
    field = value;
    invalidateFilter();
    Q_EMIT changed();
}

bool TrafficFilter::filterAcceptsRow(int row, const QModelIndex &parent) const
{
    const QModelIndex index = sourceModel()->index(row, 0, parent);
    // Route, event, room and socket are names, compared whole as the server's tap compares them
    // (admin:tap): room "lobby" is not "lobby2". Only the search looks inside the text.
    auto matches = [&](const QString &filter, int role) {
        return filter.isEmpty() || index.data(role).toString() == filter;
    };
    const auto searched = [&] {
        if (m_search.isEmpty())
            return true;
        for (const int role : {TrafficModel::EventRole, TrafficModel::RoomRole, TrafficModel::SocketRole,
                               TrafficModel::UserRole, TrafficModel::RouteRole, TrafficModel::PayloadRole}) {
            if (index.data(role).toString().contains(m_search, Qt::CaseInsensitive))
                return true;
        }
        return false;
    };
    return matches(m_route, TrafficModel::RouteRole) && matches(m_event, TrafficModel::EventRole)
            && matches(m_room, TrafficModel::RoomRole) && matches(m_socket, TrafficModel::SocketRole)
            // A room's or route's broadcast names no user: the server's tap decided it reached them.
            && (m_user.isEmpty() || index.data(TrafficModel::UserRole).toString() == m_user
                || index.data(TrafficModel::UserRole).toString().isEmpty())
            && (m_direction.isEmpty() || index.data(TrafficModel::DirectionRole).toString() == m_direction)
            && searched();
}

int TrafficFilter::exportJsonLines(const QString &path) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return -1;
    for (int row = 0; row < rowCount(); ++row) {
        const QJsonObject entry = index(row, 0).data(TrafficModel::JsonRole).toJsonObject();
        file.write(QJsonDocument(entry).toJson(QJsonDocument::Compact) + '\n');
    }
    return rowCount();
}
