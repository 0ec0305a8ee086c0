// A path the console reads or writes: typed, or chosen with "Choose…" in a file dialog (Qt Quick
// Dialogs: the platform's own where there is one, else Qt Quick's). The dialog only fills the field;
// the page's own buttons (Export, Import) act on `path`, typed or chosen.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

RowLayout {
    id: field
    // The path as a plain local path ("/tmp/x.json"), not a file: URL.
    property alias path: input.text
    property alias placeholderText: input.placeholderText
    // true: the dialog asks where to write (the file need not exist); false: which file to read.
    property bool saving: true
    // A field both written and read (the playground's templates file): "Choose…" first asks which
    // (a menu with these two entries), then opens the dialog in that mode.
    property bool offerBoth: false
    property string writeLabel: "A file to write…"
    property string readLabel: "A file to read…"
    property alias title: dialog.title
    property alias nameFilters: dialog.nameFilters
    property alias defaultSuffix: dialog.defaultSuffix
    // The dialog itself (its fileMode, currentFolder, selectedFile), for the tests.
    readonly property alias dialog: dialog
    spacing: 8

    // "file:///tmp/a%20b.json" -> "/tmp/a b.json": the field shows what a user would type.
    function localPath(url) {
        const text = url.toString()
        return text.startsWith("file://") ? decodeURIComponent(text.substring("file://".length)) : text
    }
    function toUrl(path) {
        return "file://" + path.split("/").map(encodeURIComponent).join("/")
    }

    TextField {
        id: input
        objectName: field.objectName ? field.objectName + "Path" : ""
        Layout.fillWidth: true
        selectByMouse: true
    }
    Button {
        id: choose
        objectName: field.objectName ? field.objectName + "Choose" : ""
        text: "Choose…"
        onClicked: field.offerBoth ? modes.popup(choose, 0, choose.height) : field.choose(field.saving)
        Menu {
            id: modes
            MenuItem { objectName: field.objectName + "ForSaving"; text: field.writeLabel; onTriggered: field.choose(true) }
            MenuItem { objectName: field.objectName + "ForOpening"; text: field.readLabel; onTriggered: field.choose(false) }
        }
    }
    // Opens the dialog: to pick where to write (`forSaving`), else an existing file to read.
    function choose(forSaving) {
        dialog.fileMode = forSaving ? FileDialog.SaveFile : FileDialog.OpenFile
        // Open where the typed path points, so that choosing again starts from the last choice.
        // An open dialog refuses a file that does not exist, so only a save dialog pre-selects.
        if (input.text.startsWith("/")) {
            const slash = input.text.lastIndexOf("/")
            dialog.currentFolder = toUrl(slash > 0 ? input.text.substring(0, slash) : "/")
            if (forSaving)
                dialog.selectedFile = toUrl(input.text)
        }
        // The dialog found no window if the field was not in one yet when it was created (a view
        // whose root is put in its window afterwards, as Qt Quick Test does): give it the field's.
        dialog.parentWindow = field.Window.window
        dialog.open()
    }
    FileDialog {
        id: dialog
        onAccepted: input.text = field.localPath(selectedFile)
    }
}
