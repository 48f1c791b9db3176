package dev.subprocess4j.internal;

/**
 * Linux error numbers: their symbolic names and glibc's {@code strerror} texts (x86_64 and
 * aarch64 share these numbers; generated from the kernel's asm-generic errno headers).
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int EPIPE = 32;
    public static final int EDOM = 33;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOLCK = 37;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENOMSG = 42;
    public static final int EIDRM = 43;
    public static final int ECHRNG = 44;
    public static final int EL2NSYNC = 45;
    public static final int EL3HLT = 46;
    public static final int EL3RST = 47;
    public static final int ELNRNG = 48;
    public static final int EUNATCH = 49;
    public static final int ENOCSI = 50;
    public static final int EL2HLT = 51;
    public static final int EBADE = 52;
    public static final int EBADR = 53;
    public static final int EXFULL = 54;
    public static final int ENOANO = 55;
    public static final int EBADRQC = 56;
    public static final int EBADSLT = 57;
    public static final int EBFONT = 59;
    public static final int ENOSTR = 60;
    public static final int ENODATA = 61;
    public static final int ETIME = 62;
    public static final int ENOSR = 63;
    public static final int ENONET = 64;
    public static final int ENOPKG = 65;
    public static final int EREMOTE = 66;
    public static final int ENOLINK = 67;
    public static final int EADV = 68;
    public static final int ESRMNT = 69;
    public static final int ECOMM = 70;
    public static final int EPROTO = 71;
    public static final int EMULTIHOP = 72;
    public static final int EDOTDOT = 73;
    public static final int EBADMSG = 74;
    public static final int EOVERFLOW = 75;
    public static final int ENOTUNIQ = 76;
    public static final int EBADFD = 77;
    public static final int EREMCHG = 78;
    public static final int ELIBACC = 79;
    public static final int ELIBBAD = 80;
    public static final int ELIBSCN = 81;
    public static final int ELIBMAX = 82;
    public static final int ELIBEXEC = 83;
    public static final int EILSEQ = 84;
    public static final int ERESTART = 85;
    public static final int ESTRPIPE = 86;
    public static final int EUSERS = 87;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int EPROTOTYPE = 91;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int ESOCKTNOSUPPORT = 94;
    public static final int EOPNOTSUPP = 95;
    public static final int EPFNOSUPPORT = 96;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ENETRESET = 102;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ESHUTDOWN = 108;
    public static final int ETOOMANYREFS = 109;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ESTALE = 116;
    public static final int EUCLEAN = 117;
    public static final int ENOTNAM = 118;
    public static final int ENAVAIL = 119;
    public static final int EISNAM = 120;
    public static final int EREMOTEIO = 121;
    public static final int EDQUOT = 122;
    public static final int ENOMEDIUM = 123;
    public static final int EMEDIUMTYPE = 124;
    public static final int ECANCELED = 125;
    public static final int ENOKEY = 126;
    public static final int EKEYEXPIRED = 127;
    public static final int EKEYREVOKED = 128;
    public static final int EKEYREJECTED = 129;
    public static final int EOWNERDEAD = 130;
    public static final int ENOTRECOVERABLE = 131;
    public static final int ERFKILL = 132;

    private static final String[] NAMES = new String[134];
    private static final String[] MESSAGES = new String[134];

    static {
        set(1, "EPERM", "Operation not permitted");
        set(2, "ENOENT", "No such file or directory");
        set(3, "ESRCH", "No such process");
        set(4, "EINTR", "Interrupted system call");
        set(5, "EIO", "Input/output error");
        set(6, "ENXIO", "No such device or address");
        set(7, "E2BIG", "Argument list too long");
        set(8, "ENOEXEC", "Exec format error");
        set(9, "EBADF", "Bad file descriptor");
        set(10, "ECHILD", "No child processes");
        set(11, "EAGAIN", "Resource temporarily unavailable");
        set(12, "ENOMEM", "Cannot allocate memory");
        set(13, "EACCES", "Permission denied");
        set(14, "EFAULT", "Bad address");
        set(15, "ENOTBLK", "Block device required");
        set(16, "EBUSY", "Device or resource busy");
        set(17, "EEXIST", "File exists");
        set(18, "EXDEV", "Invalid cross-device link");
        set(19, "ENODEV", "No such device");
        set(20, "ENOTDIR", "Not a directory");
        set(21, "EISDIR", "Is a directory");
        set(22, "EINVAL", "Invalid argument");
        set(23, "ENFILE", "Too many open files in system");
        set(24, "EMFILE", "Too many open files");
        set(25, "ENOTTY", "Inappropriate ioctl for device");
        set(26, "ETXTBSY", "Text file busy");
        set(27, "EFBIG", "File too large");
        set(28, "ENOSPC", "No space left on device");
        set(29, "ESPIPE", "Illegal seek");
        set(30, "EROFS", "Read-only file system");
        set(31, "EMLINK", "Too many links");
        set(32, "EPIPE", "Broken pipe");
        set(33, "EDOM", "Numerical argument out of domain");
        set(34, "ERANGE", "Numerical result out of range");
        set(35, "EDEADLK", "Resource deadlock avoided");
        set(36, "ENAMETOOLONG", "File name too long");
        set(37, "ENOLCK", "No locks available");
        set(38, "ENOSYS", "Function not implemented");
        set(39, "ENOTEMPTY", "Directory not empty");
        set(40, "ELOOP", "Too many levels of symbolic links");
        set(42, "ENOMSG", "No message of desired type");
        set(43, "EIDRM", "Identifier removed");
        set(44, "ECHRNG", "Channel number out of range");
        set(45, "EL2NSYNC", "Level 2 not synchronized");
        set(46, "EL3HLT", "Level 3 halted");
        set(47, "EL3RST", "Level 3 reset");
        set(48, "ELNRNG", "Link number out of range");
        set(49, "EUNATCH", "Protocol driver not attached");
        set(50, "ENOCSI", "No CSI structure available");
        set(51, "EL2HLT", "Level 2 halted");
        set(52, "EBADE", "Invalid exchange");
        set(53, "EBADR", "Invalid request descriptor");
        set(54, "EXFULL", "Exchange full");
        set(55, "ENOANO", "No anode");
        set(56, "EBADRQC", "Invalid request code");
        set(57, "EBADSLT", "Invalid slot");
        set(59, "EBFONT", "Bad font file format");
        set(60, "ENOSTR", "Device not a stream");
        set(61, "ENODATA", "No data available");
        set(62, "ETIME", "Timer expired");
        set(63, "ENOSR", "Out of streams resources");
        set(64, "ENONET", "Machine is not on the network");
        set(65, "ENOPKG", "Package not installed");
        set(66, "EREMOTE", "Object is remote");
        set(67, "ENOLINK", "Link has been severed");
        set(68, "EADV", "Advertise error");
        set(69, "ESRMNT", "Srmount error");
        set(70, "ECOMM", "Communication error on send");
        set(71, "EPROTO", "Protocol error");
        set(72, "EMULTIHOP", "Multihop attempted");
        set(73, "EDOTDOT", "RFS specific error");
        set(74, "EBADMSG", "Bad message");
        set(75, "EOVERFLOW", "Value too large for defined data type");
        set(76, "ENOTUNIQ", "Name not unique on network");
        set(77, "EBADFD", "File descriptor in bad state");
        set(78, "EREMCHG", "Remote address changed");
        set(79, "ELIBACC", "Can not access a needed shared library");
        set(80, "ELIBBAD", "Accessing a corrupted shared library");
        set(81, "ELIBSCN", ".lib section in a.out corrupted");
        set(82, "ELIBMAX", "Attempting to link in too many shared libraries");
        set(83, "ELIBEXEC", "Cannot exec a shared library directly");
        set(84, "EILSEQ", "Invalid or incomplete multibyte or wide character");
        set(85, "ERESTART", "Interrupted system call should be restarted");
        set(86, "ESTRPIPE", "Streams pipe error");
        set(87, "EUSERS", "Too many users");
        set(88, "ENOTSOCK", "Socket operation on non-socket");
        set(89, "EDESTADDRREQ", "Destination address required");
        set(90, "EMSGSIZE", "Message too long");
        set(91, "EPROTOTYPE", "Protocol wrong type for socket");
        set(92, "ENOPROTOOPT", "Protocol not available");
        set(93, "EPROTONOSUPPORT", "Protocol not supported");
        set(94, "ESOCKTNOSUPPORT", "Socket type not supported");
        set(95, "EOPNOTSUPP", "Operation not supported");
        set(96, "EPFNOSUPPORT", "Protocol family not supported");
        set(97, "EAFNOSUPPORT", "Address family not supported by protocol");
        set(98, "EADDRINUSE", "Address already in use");
        set(99, "EADDRNOTAVAIL", "Cannot assign requested address");
        set(100, "ENETDOWN", "Network is down");
        set(101, "ENETUNREACH", "Network is unreachable");
        set(102, "ENETRESET", "Network dropped connection on reset");
        set(103, "ECONNABORTED", "Software caused connection abort");
        set(104, "ECONNRESET", "Connection reset by peer");
        set(105, "ENOBUFS", "No buffer space available");
        set(106, "EISCONN", "Transport endpoint is already connected");
        set(107, "ENOTCONN", "Transport endpoint is not connected");
        set(108, "ESHUTDOWN", "Cannot send after transport endpoint shutdown");
        set(109, "ETOOMANYREFS", "Too many references: cannot splice");
        set(110, "ETIMEDOUT", "Connection timed out");
        set(111, "ECONNREFUSED", "Connection refused");
        set(112, "EHOSTDOWN", "Host is down");
        set(113, "EHOSTUNREACH", "No route to host");
        set(114, "EALREADY", "Operation already in progress");
        set(115, "EINPROGRESS", "Operation now in progress");
        set(116, "ESTALE", "Stale file handle");
        set(117, "EUCLEAN", "Structure needs cleaning");
        set(118, "ENOTNAM", "Not a XENIX named type file");
        set(119, "ENAVAIL", "No XENIX semaphores available");
        set(120, "EISNAM", "Is a named type file");
        set(121, "EREMOTEIO", "Remote I/O error");
        set(122, "EDQUOT", "Disk quota exceeded");
        set(123, "ENOMEDIUM", "No medium found");
        set(124, "EMEDIUMTYPE", "Wrong medium type");
        set(125, "ECANCELED", "Operation canceled");
        set(126, "ENOKEY", "Required key not available");
        set(127, "EKEYEXPIRED", "Key has expired");
        set(128, "EKEYREVOKED", "Key has been revoked");
        set(129, "EKEYREJECTED", "Key was rejected by service");
        set(130, "EOWNERDEAD", "Owner died");
        set(131, "ENOTRECOVERABLE", "State not recoverable");
        set(132, "ERFKILL", "Operation not possible due to RF-kill");
    }

    private static void set(int n, String name, String message) {
        NAMES[n] = name;
        MESSAGES[n] = message;
    }

    /**
     * Whether {@code errno} says a resource ran short (fds, memory, processes or threads): the
     * call may work once it is back, so nothing is decided for good on such a failure.
     */
    public static boolean isShortage(int errno) {
        return errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == EAGAIN;
    }

    /** The symbolic name, e.g. {@code ENOENT}, or {@code E<n>} for a number without one. */
    public static String name(int errno) {
        return errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "E" + errno;
    }

    /** glibc's text for the number, e.g. {@code No such file or directory}. */
    public static String message(int errno) {
        return errno > 0 && errno < MESSAGES.length && MESSAGES[errno] != null
                ? MESSAGES[errno] : "Unknown error " + errno;
    }

    /** The number for a symbolic name, or -1 when there is none. */
    public static int number(String name) {
        for (int i = 1; i < NAMES.length; i++) {
            if (name.equals(NAMES[i])) {
                return i;
            }
        }
        return -1;
    }
}
