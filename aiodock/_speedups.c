/* C versions of the hot loops of aiodock.decoders: the same contracts as the pure-Python
 * functions there (_chunk_pieces_py, _frames_from_py), which are used when this module
 * is not built. Both are exact: they stop wherever the input is not in the
 * common form, and the step-by-step decoders in Python take over from there. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_SIZE_DIGITS 15 /* a chunk size with more hex digits is left to Python */

static int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

PyDoc_STRVAR(chunk_pieces_doc,
"chunk_pieces(data, /)\n--\n\n"
"Cut the whole chunks at the start of ``data`` (a chunked HTTP body, from the start of\n"
"a chunk): ``(pieces, consumed, incomplete)``, the data of each chunk of the form\n"
"``HEX CRLF DATA CRLF`` (size > 0) as a piece, the offset after the last one, and\n"
"whether the rest is only an unfinished chunk of that form.");

static PyObject *
chunk_pieces(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    const unsigned char *data = (const unsigned char *)view.buf;
    const Py_ssize_t n = view.len;
    Py_ssize_t pos = 0;
    int incomplete = 0;
    PyObject *result = NULL;
    PyObject *pieces = PyList_New(0);
    if (pieces == NULL) {
        goto done;
    }
    while (pos < n) {
        Py_ssize_t i = pos;
        size_t size = 0;
        int digits = 0;
        int value;
        while (i < n && (value = hex_value(data[i])) >= 0) {
            if (++digits > MAX_SIZE_DIGITS) {
                break;
            }
            size = size * 16 + (size_t)value;
            i++;
        }
        if (digits > MAX_SIZE_DIGITS) {
            break;
        }
        if (i == n || (i + 1 == n && data[i] == '\r')) {
            incomplete = 1; /* the size line is still arriving */
            break;
        }
        if (digits == 0 || data[i] != '\r' || data[i + 1] != '\n' || size == 0) {
            break; /* extensions, the last chunk, or garbage: for Python to decide */
        }
        const Py_ssize_t start = i + 2;
        if ((size_t)(n - start) < size + 2) {
            incomplete = 1;
            break;
        }
        const Py_ssize_t end = start + (Py_ssize_t)size;
        if (data[end] != '\r' || data[end + 1] != '\n') {
            break;
        }
        PyObject *piece = PyBytes_FromStringAndSize((const char *)data + start, end - start);
        if (piece == NULL) {
            goto done;
        }
        int failed = PyList_Append(pieces, piece);
        Py_DECREF(piece);
        if (failed) {
            goto done;
        }
        pos = end + 2;
    }
    result = Py_BuildValue("(OnO)", pieces, pos, incomplete ? Py_True : Py_False);
done:
    Py_XDECREF(pieces);
    PyBuffer_Release(&view);
    return result;
}

PyDoc_STRVAR(frames_from_doc,
"frames_from(data, pos, merge, max_frame, /)\n--\n\n"
"Cut the whole, valid multiplexed frames of ``data`` from ``pos`` on: ``(stream_ids,\n"
"payloads, end)``, one id byte and one payload per frame (with ``merge`` 1, per run of\n"
"consecutive non-empty frames of one stream; with 2, per run of consecutive non-empty\n"
"stdout and stderr frames, given as stdout), and the offset where it stopped: the end,\n"
"an unfinished frame, or a bad header (for Python to report).");

/* The stream a frame's payload is merged under: itself, or with merge 2 stdout for both
 * output streams (stdin and the daemon's error frames stay apart). */
static inline int
merge_key(int merge, unsigned char stream)
{
    return (merge == 2 && (stream == 1 || stream == 2)) ? 1 : stream;
}

static int
frame_at(const unsigned char *data, Py_ssize_t n, Py_ssize_t pos, Py_ssize_t max_frame,
         Py_ssize_t *size)
{
    if (n - pos < 8) {
        return 0;
    }
    const unsigned char *p = data + pos;
    if (p[0] > 3 || p[1] || p[2] || p[3]) {
        return 0;
    }
    const size_t length = ((size_t)p[4] << 24) | ((size_t)p[5] << 16) | ((size_t)p[6] << 8) |
                          (size_t)p[7];
    if (length > (size_t)max_frame || (size_t)(n - pos - 8) < length) {
        return 0;
    }
    *size = (Py_ssize_t)length;
    return 1;
}

static PyObject *
frames_from(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "frames_from() takes 4 arguments");
        return NULL;
    }
    const Py_ssize_t start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    const long merge = PyLong_AsLong(args[2]);
    if (merge == -1 && PyErr_Occurred()) {
        return NULL;
    }
    const Py_ssize_t max_frame = PyLong_AsSsize_t(args[3]);
    if (max_frame == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    const unsigned char *data = (const unsigned char *)view.buf;
    const Py_ssize_t n = view.len;
    PyObject *result = NULL;
    PyObject *ids = NULL;
    PyObject *payloads = NULL;
    if (start < 0 || start > n) {
        PyErr_SetString(PyExc_ValueError, "frames_from(): pos out of range");
        goto done;
    }
    /* First pass: how far the whole, valid frames go, and how many items they give. */
    Py_ssize_t pos = start;
    Py_ssize_t items = 0;
    Py_ssize_t size;
    int last_stream = -1;
    while (frame_at(data, n, pos, max_frame, &size)) {
        if (!merge) {
            items++;
        }
        else if (size && merge_key(merge, data[pos]) != last_stream) {
            items++;
            last_stream = merge_key(merge, data[pos]);
        }
        pos += 8 + size;
    }
    const Py_ssize_t end = pos;
    ids = PyBytes_FromStringAndSize(NULL, items);
    payloads = PyList_New(items);
    if (ids == NULL || payloads == NULL) {
        goto done;
    }
    unsigned char *id_out = (unsigned char *)PyBytes_AS_STRING(ids);
    Py_ssize_t item = 0;
    pos = start;
    while (pos < end) {
        frame_at(data, n, pos, max_frame, &size);
        const unsigned char stream = (unsigned char)merge_key(merge, data[pos]);
        if (!merge) {
            PyObject *payload = PyBytes_FromStringAndSize((const char *)data + pos + 8, size);
            if (payload == NULL) {
                goto done;
            }
            id_out[item] = stream;
            PyList_SET_ITEM(payloads, item, payload);
            item++;
            pos += 8 + size;
            continue;
        }
        if (!size) { /* an empty frame: merging drops it */
            pos += 8;
            continue;
        }
        /* A run: this frame and the following ones of the same stream (empty ones skipped). */
        Py_ssize_t total = 0;
        Py_ssize_t run_end = pos;
        Py_ssize_t next_size;
        while (run_end < end) {
            frame_at(data, n, run_end, max_frame, &next_size);
            if (next_size && merge_key(merge, data[run_end]) != stream) {
                break;
            }
            total += next_size;
            run_end += 8 + next_size;
        }
        PyObject *payload = PyBytes_FromStringAndSize(NULL, total);
        if (payload == NULL) {
            goto done;
        }
        char *out = PyBytes_AS_STRING(payload);
        while (pos < run_end) {
            frame_at(data, n, pos, max_frame, &next_size);
            memcpy(out, data + pos + 8, (size_t)next_size);
            out += next_size;
            pos += 8 + next_size;
        }
        id_out[item] = stream;
        PyList_SET_ITEM(payloads, item, payload);
        item++;
    }
    result = Py_BuildValue("(OOn)", ids, payloads, end);
done:
    Py_XDECREF(ids);
    Py_XDECREF(payloads); /* items not set yet are NULL: list_dealloc skips them */
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef speedups_methods[] = {
    {"chunk_pieces", (PyCFunction)chunk_pieces, METH_O, chunk_pieces_doc},
    {"frames_from", (PyCFunction)(void (*)(void))frames_from, METH_FASTCALL, frames_from_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiodock._speedups",
    .m_doc = "C versions of the hot loops of aiodock.decoders.",
    .m_size = 0,
    .m_methods = speedups_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
