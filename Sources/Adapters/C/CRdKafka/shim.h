#ifndef VOICEGW_CRDKAFKA_SHIM_H
#define VOICEGW_CRDKAFKA_SHIM_H
// librdkafka 2.0.2 (Debian 12). rd_kafka_producev is variadic and cannot be called from Swift: the
// adapter uses rd_kafka_produce. The mock cluster API is used by the test helper kafka-mock-cluster.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// RD_KAFKA_PARTITION_UA and RD_KAFKA_MSG_F_COPY are macros; exposed as functions for Swift.
static inline int32_t voicegw_kafka_partition_unassigned(void) { return RD_KAFKA_PARTITION_UA; }
static inline int voicegw_kafka_msg_f_copy(void) { return RD_KAFKA_MSG_F_COPY; }
#endif
