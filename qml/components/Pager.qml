// The pager of a list the server pages (admin:query, admin:page): the server's counts, Previous and
// Next, and "load more as you scroll" — the page's list calls showMore() when it reaches its end,
// which asks for the same page with a larger limit, up to the server's bound of 500 rows a query.
// Beyond that, Next moves the window on. The Sockets and Rooms pages share it.
//
// The page says how to ask (onWanted: admin.querySockets({..., offset, limit})) and binds the
// server's answer (offset, count, matched, total); the pager decides what to ask for.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

RowLayout {
    id: pager
    // What the rows are called in the label: "sockets", "rooms".
    property string noun: "rows"
    // The server's answer: the page's first row, the rows it holds, how many match, how many exist.
    property int offset: 0
    property int count: 0
    property int matched: 0
    property int total: 0
    // Rows asked for at a time, and at most (admin:query refuses more than 500).
    property int pageSize: 100
    readonly property int maxRows: 500
    // The limit the page asks for now: pageSize, grown by showMore() up to maxRows.
    property int shownLimit: pageSize
    readonly property bool hasMore: offset + count < matched

    // Send admin:query for `offset` with `limit` rows (the page adds its filter and sort).
    signal wanted(int offset, int limit)

    // A new query (other filter or sort, or another window): one page from `offset`.
    function query(offset) {
        shownLimit = pageSize
        wanted(Math.max(0, offset), shownLimit)
    }
    // The list reached its end: the same window, a page longer, while the server has more.
    function showMore() {
        if (shownLimit >= maxRows || !hasMore)
            return
        shownLimit = Math.min(maxRows, shownLimit + pageSize)
        wanted(offset, shownLimit)
    }

    Button {
        objectName: pager.objectName + "Previous"
        text: "Previous"
        enabled: pager.offset > 0
        onClicked: pager.query(pager.offset - pager.pageSize)
    }
    Label {
        objectName: pager.objectName + "PageLabel"
        opacity: 0.7
        text: (pager.count === 0 ? "0" : (pager.offset + 1) + "–" + (pager.offset + pager.count))
              + " of " + pager.matched + " matching (" + pager.total + " " + pager.noun + ")"
    }
    Button {
        objectName: pager.objectName + "Next"
        text: "Next"
        enabled: pager.hasMore
        onClicked: pager.query(pager.offset + pager.count)
    }
}
