# AutoML-generated scoring script (inference-schema decorators).
import json
import logging
import os
import pickle

import numpy as np
import pandas as pd
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

data_sample = PandasParameterType(pd.DataFrame({"age": pd.Series([0], dtype="int64"), "bmi": pd.Series([0.0])}))
input_sample = StandardPythonParameterType({"data": data_sample})
method_sample = StandardPythonParameterType("predict")
result_sample = StandardPythonParameterType([0.0])
sample_global_params = StandardPythonParameterType({"method": method_sample})

logger = logging.getLogger("azureml.automl.core.scoring_script_v2")


def init():
    global model
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl")
    path = os.path.normpath(model_path)
    path_split = path.split(os.sep)
    logger.info("Loading model from path: %s", path_split[-1])
    try:
        logger.info("Loading model from path.")
        with open(model_path, "rb") as f:
            model = pickle.load(f)
        logger.info("Loading successful.")
    except Exception:
        logger.exception("Model loading failed")
        raise


@input_schema("GlobalParameters", sample_global_params, convert_to_provided_type=False)
@input_schema("Inputs", input_sample)
@output_schema(result_sample)
def run(Inputs, GlobalParameters={"method": "predict"}):
    data = Inputs["data"]
    if GlobalParameters.get("method", None) == "predict_proba":
        result = model.predict_proba(data)
    elif GlobalParameters.get("method", None) == "predict":
        result = model.predict(data)
    else:
        raise Exception(f"Invalid predict method argument received. GlobalParameters: {GlobalParameters}")
    if isinstance(result, pd.DataFrame):
        result = result.values
    return {"Results": np.array(result).tolist()}
