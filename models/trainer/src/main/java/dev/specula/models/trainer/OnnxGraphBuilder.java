package dev.specula.models.trainer;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Thin helper over the ONNX protobuf builders: nodes with unique names, typed initializers, value infos. */
final class OnnxGraphBuilder {
    final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder();
    private int counter;

    String fresh(String hint) {
        return hint + "_" + (counter++);
    }

    /** Adds a node with one output named after the hint and returns that output name. */
    String op(String opType, String hint, String... inputs) {
        String out = fresh(hint);
        node(opType, new String[]{out}, inputs);
        return out;
    }

    OnnxMl.NodeProto.Builder node(String opType, String[] outputs, String... inputs) {
        OnnxMl.NodeProto.Builder n = graph.addNodeBuilder().setOpType(opType).setName(fresh(opType));
        for (String i : inputs) n.addInput(i);
        for (String o : outputs) n.addOutput(o);
        return n;
    }

    static OnnxMl.AttributeProto intAttr(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT).setI(v).build();
    }

    static OnnxMl.AttributeProto floatAttr(String name, float v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static OnnxMl.AttributeProto intsAttr(String name, long... v) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    String floatInit(String name, float[] data, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(data);
        OnnxMl.TensorProto.Builder t = graph.addInitializerBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) t.addDims(d);
        return name;
    }

    /** int64 constant; no dims = scalar. */
    String longConst(String hint, long[] data, long... dims) {
        String name = fresh(hint);
        ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(data);
        OnnxMl.TensorProto.Builder t = graph.addInitializerBuilder().setName(name)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) t.addDims(d);
        return name;
    }

    String longs(String hint, long... v) {
        return longConst(hint, v, v.length);
    }

    String longScalar(String hint, long v) {
        return longConst(hint, new long[]{v});
    }

    String floatScalar(String hint, float v) {
        return floatInit(fresh(hint), new float[]{v});
    }

    /** Declares a graph input or output; dims are either Long (fixed) or String (symbolic). */
    static OnnxMl.ValueInfoProto valueInfo(String name, OnnxMl.TensorProto.DataType type, Object... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String) {
                shape.addDimBuilder().setDimParam((String) d);
            } else {
                shape.addDimBuilder().setDimValue(((Number) d).longValue());
            }
        }
        OnnxMl.TypeProto.Tensor.Builder tensor = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape);
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
