#include "historymodel.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case OffsetRole: return row.offset;
    case TimeRole: return QDateTime::fromMSecsSinceEpoch(row.timeMs);
    case Qt::DisplayRole:
    case EventRole: return row.event;
    case PayloadRole: return row.payload;
    case SizeRole: return row.size;
    }
    return {};
}

QHash<int, QByteArray> HistoryModel::roleNames() const
{
    return {{OffsetRole, "offset"}, {TimeRole, "time"}, {EventRole, "event"}, {PayloadRole, "payload"}, {SizeRole, "size"}};
}

void HistoryModel::clear()
{
    if (m_rows.isEmpty())
        return;
    beginRemoveRows({}, 0, int(m_rows.size()) - 1);
    m_rows.clear();
    endRemoveRows();
    Q_EMIT countChanged();
}

bool HistoryModel::appendOlder(const QJsonArray &rows)
{
    const qsizetype room = MaxRows - m_rows.size();
    const qsizetype added = std::min(room, rows.size());
    if (added <= 0)
        return false;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added - 1));
    for (qsizetype i = 0; i < added; ++i) {
        const QJsonObject row = rows.at(i).toObject();
        const QJsonValue payload = row.value("payload"_L1);
        m_rows.append(Row{row.value("offset"_L1).toInteger(), row.value("time"_L1).toInteger(), row.value("size"_L1).toInteger(),
                          row.value("event"_L1).toString(),
                          // Any JSON value as compact text: wrapped in an array, then unwrapped.
                          QString::fromUtf8(QJsonDocument(QJsonArray{payload}).toJson(QJsonDocument::Compact)).mid(1).chopped(1)});
    }
    endInsertRows();
    Q_EMIT countChanged();
    return !full();
}
