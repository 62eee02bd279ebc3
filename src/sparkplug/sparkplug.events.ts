// A module (not a script), so that the blocks below augment the bus's vocabulary instead of declaring a new module.
export {};

declare module '../common/bus/event-map.js' {
  interface ReadingSources {
    sparkplug: true;
  }
}

declare module '../pipeline/pipeline-stats.js' {
  /** What only Sparkplug refuses (docs/sparkplug.md, "Rejections"); the reading rules after it are shared. */
  interface RejectReasons {
    /** Not `spBv1.0/{group}/{type}/{edge node}[/{device}]` or `spBv1.0/STATE/{host}`, or an unknown type. */
    sparkplug_topic_invalid: true;
    /** Protobuf the decoder cannot read: truncated, bad tag or wire type, nested too deep. */
    sparkplug_payload_invalid: true;
    sparkplug_payload_too_large: true;
    /** More metrics in one payload than the decoder takes (MAX_METRICS). */
    sparkplug_too_many_metrics: true;
    /** NDATA/DDATA/DBIRTH/DDEATH of an edge node or device without a current birth: a Rebirth is requested. */
    sparkplug_no_birth: true;
    /** A data metric whose alias or name its birth did not define: a Rebirth is requested. */
    sparkplug_unknown_metric: true;
    /** A metric with neither name nor alias (data), without a name (birth), or a name that sanitises to nothing. */
    sparkplug_metric_invalid: true;
    /** Strings, text, UUIDs, bytes, files, datasets, templates, property sets, arrays: not a numeric point. */
    sparkplug_unsupported_datatype: true;
    /** The metric's value field does not fit its datatype. */
    sparkplug_value_mismatch: true;
    /** `is_null`: the point has no value; nothing is stored. */
    sparkplug_null_value: true;
    /** An NBIRTH without its bdSeq metric. */
    sparkplug_birth_invalid: true;
    /** An NBIRTH of a session older than (or the same as) the node's current or dead one. */
    sparkplug_stale_birth: true;
    /** An NDEATH whose bdSeq is not the current session's. */
    sparkplug_stale_death: true;
    /** A payload of zero bytes (an empty protobuf message; no Sparkplug message is empty). */
    sparkplug_payload_empty: true;
    /** A field the schema knows, sent with another wire type (e.g. a metric's name as a varint). */
    sparkplug_wire_type_invalid: true;
    /** Messages nested deeper than MAX_DEPTH (templates within templates). */
    sparkplug_nesting_too_deep: true;
    /** A string field (name, value, property key) longer than MAX_STRING_BYTES. */
    sparkplug_string_too_long: true;
    /** A payload seq above 255 (a negative seq arrives as a huge uint64). */
    sparkplug_seq_invalid: true;
    /** A compressed payload with an unknown algorithm, no body, a body that does not inflate, or compressed twice. */
    sparkplug_compression_invalid: true;
    /** A compressed payload whose body inflates past SPARKPLUG_MAX_PAYLOAD_BYTES (a zip bomb): inflating stops there. */
    sparkplug_compressed_too_large: true;
    /** A birth metric's datatype number the specification does not define (0, or above 34). */
    sparkplug_datatype_unknown: true;
    /** A data metric whose datatype is not its birth's. */
    sparkplug_datatype_mismatch: true;
    /** An integer outside its datatype's range (an Int8 of 300, a UInt32 above 2^32 - 1). */
    sparkplug_value_out_of_range: true;
    /** A birth giving one alias to two metrics: the birth is refused and a Rebirth requested. */
    sparkplug_alias_duplicate: true;
    /** A data metric whose name and alias point at different metrics of the birth. */
    sparkplug_alias_conflict: true;
  }
}
