#include <curl/curl.h>
#include <poll.h>
#include <sys/prctl.h>

// curl_easy_setopt is variadic, which Swift cannot call: one wrapper per argument type.
static inline CURLcode tsx_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tsx_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tsx_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tsx_curl_getinfo_socket(CURL *h, curl_socket_t *s) { return curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, s); }

// Names the calling thread (top -H, the kernel's comm; 15 bytes kept). prctl is variadic too;
// the socket's reader names itself with it before its first read.
static inline void tsx_name_this_thread(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }
