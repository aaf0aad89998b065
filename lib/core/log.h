/*
 * log.h — structured log lines: `ts=… level=… event=… key=value …`.
 *
 * One write(2) per line so lines from threads and processes never
 * interleave. Callers must not pass secrets, tokens or full phone numbers
 * (mask them with util_phone_mask()).
 */
#ifndef WUYE_LOG_H
#define WUYE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
