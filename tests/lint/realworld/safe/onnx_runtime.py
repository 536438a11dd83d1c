# ONNX Runtime model: session created once in init().
import json
import os

import numpy as np
import onnxruntime


def init():
    global session, input_name, output_name
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.onnx")
    session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    output_name = session.get_outputs()[0].name


def run(raw_data):
    data = np.array(json.loads(raw_data)["data"], dtype=np.float32)
    result = session.run([output_name], {input_name: data})
    return {"result": result[0].tolist()}
